/**
 * Where a monitored stream's CPU goes (issue 17): every stage of the server's path run on its own over the
 * same real audio (LibriSpeech speech encoded by ffmpeg's libopus, 48 kHz, 20 ms, 32 kb/s, as WebRTC
 * sends it), one thread, and reported as CPU milliseconds per second of one stream's audio:
 *
 *   rtp-transport    mediasoup DirectTransport producer.send() -> router -> the monitor's consumer 'rtp'
 *                    event (this process and the worker process, both counted)
 *   rtp-jitter       parseRtp + JitterBuffer
 *   opus-decode      libopus (wasm) to 16 kHz, what the monitor does; `opus-decode-48k` + `resample-48k`
 *                    is the path before it (decode at 48 kHz, core's resampler to 16 kHz)
 *   windows          core's WindowProducer at 16 kHz: STFT, energy gate, signal evidence, window assembly
 *   speech-detector  Silero VAD over every 32 ms frame (SpeechDetector.judge on every window), 32 streams
 *                    sharing one session (their frames batched, as in a monitor with that many streams);
 *                    one stream alone is reported beside it
 *   model            the MOS model in batches of 16 streams at one hop, per window / hop, streamed when the card
 *                    has a pair (the model-only bound is 1000 / this; the whole-window model is reported beside)
 *   telemetry        withQuality + degradedFor over the events and their JSON for the WebSocket
 *
 *   npx vite-node packages/server/bench/stages.ts -- [--model tiny] [--seconds 24] [--repeat 3]
 *
 * Prints one JSON line. Stages are timed in-process in a loop (median of --repeat runs), so a stage's
 * cost is its own: the end-to-end scale curve (streams.ts) is where they add up under real-time load.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject, firstValueFrom, toArray } from 'rxjs';
import { SpeechDetector, degradedFor, withQuality, type ScoreEvent } from '@callmos/core';
import { StreamingResampler } from '@callmos/core/dsp';
import { WindowProducer, notScoredOutcome, scoredOutcome, windowEvent, type ReadyWindow } from '@callmos/core/pipeline';
import { loadModel, loadSpeechDetector } from '@callmos/node';
import { OpusStreamDecoder } from '../src/audio/opus-stream-decoder.js';
import { JitterBuffer } from '../src/rtp/jitter-buffer.js';
import { buildRtp, parseRtp } from '../src/rtp/rtp-packet.js';
import { opusPackets, speech16k, speechSource, writeWav } from '../test/helpers/media.js';
import { OPUS, createRouter, startWorker, workerMissing } from '../test/helpers/mediasoup.js';
import { procUsage } from './proc-usage.js';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
};
const MODEL = arg('model', 'tiny');
const SECONDS = Number(arg('seconds', '24'));
const REPEAT = Number(arg('repeat', '3'));
/** streams whose detector frames share runs in the speech-detector stage (a monitor with that many streams) */
const STREAMS_TOGETHER = Number(arg('streams-together', '32'));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/**
 * CPU ms of this process spent in `fn` (median over REPEAT runs), per second of one stream's audio.
 * `prepare` runs untimed before each run (what a stream sets up once, e.g. its decoder) and feeds `fn`.
 */
async function cpuPerAudioSecond<T>(fn: (prepared: T) => unknown | Promise<unknown>, audioSeconds: number, prepare?: () => T | Promise<T>): Promise<number> {
  await fn((await prepare?.()) as T); // warm-up: JIT, first allocations, wasm tiers
  const runs: number[] = [];
  for (let r = 0; r < REPEAT; r++) {
    const prepared = (await prepare?.()) as T;
    const c0 = process.cpuUsage();
    await fn(prepared);
    const c = process.cpuUsage(c0);
    runs.push((c.user + c.system) / 1000 / audioSeconds);
  }
  return median(runs);
}

async function main(): Promise<void> {
  if (workerMissing) throw new Error(workerMissing);
  const dir = mkdtempSync(join(tmpdir(), 'callmos-stages-'));
  const wav = join(dir, 'speech.wav');
  writeWav(wav, await speech16k(SECONDS), 16000);
  const payloads = opusPackets(wav, join(dir, 'speech.ogg'));
  const audioSeconds = payloads.length * 0.02;
  const rtp = payloads.map((payload, i) => buildRtp({ payloadType: 100, sequenceNumber: i & 0xffff, timestamp: (i * 960) >>> 0, ssrc: 4242, payload }));
  const stages: Record<string, number> = {};

  // --- RTP over mediasoup: a DirectTransport producer into the router, the monitor's DirectTransport consumer out
  const worker = await startWorker();
  const router = await createRouter(worker, { room: 'stages' });
  const send = await router.createDirectTransport();
  const recv = await router.createDirectTransport();
  const producer = await send.produce({ kind: 'audio', rtpParameters: { codecs: [{ mimeType: OPUS.mimeType, payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 4242 }] } });
  const consumer = await recv.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities });
  let received = 0;
  consumer.on('rtp', () => received++);
  const sendAll = async () => {
    const until = received + rtp.length;
    for (let i = 0; i < rtp.length; i++) {
      producer.send(Buffer.from(rtp[(i + received) % rtp.length]!)); // fresh sequence numbers each round
      if (i % 200 === 199) await new Promise((r) => setImmediate(r)); // let the channel drain
    }
    for (let t = 0; received < until && t < 2000; t++) await new Promise((r) => setTimeout(r, 1));
  };
  // this process's share, then the worker's (read around the same loop); the sending side (producer.send
  // here, the network in a call) is measured alone on a producer nobody consumes and taken off
  const w0 = procUsage(worker.pid).cpuSeconds;
  const withConsumer = await cpuPerAudioSecond(sendAll, audioSeconds);
  const workerWith = ((procUsage(worker.pid).cpuSeconds - w0) * 1000) / ((REPEAT + 1) * audioSeconds);
  const delivered = received / ((REPEAT + 1) * rtp.length);
  const lone = await send.produce({ kind: 'audio', rtpParameters: { codecs: [{ mimeType: OPUS.mimeType, payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 4343 }] } });
  const sendOnly = async () => {
    for (let i = 0; i < rtp.length; i++) {
      lone.send(Buffer.from(rtp[i]!));
      if (i % 200 === 199) await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 20));
  };
  const w1 = procUsage(worker.pid).cpuSeconds;
  const senderOnly = await cpuPerAudioSecond(sendOnly, audioSeconds);
  const workerSenderOnly = ((procUsage(worker.pid).cpuSeconds - w1) * 1000) / ((REPEAT + 1) * audioSeconds);
  stages['rtp-transport'] = Math.max(0, withConsumer - senderOnly) + Math.max(0, workerWith - workerSenderOnly);
  worker.close();

  // --- parse + jitter buffer
  stages['rtp-jitter'] = await cpuPerAudioSecond(() => {
    const jb = new JitterBuffer();
    for (const bytes of rtp) jb.push(parseRtp(bytes));
    jb.flush();
  }, audioSeconds);

  // --- Opus: to 16 kHz (the monitor), and the 48 kHz + resampler path it replaced
  // one long-lived decoder per rate, as a stream has: V8 tiers its wasm up after the first calls, and a
  // stream's decoder lives for the whole call (its creation is not a per-second cost)
  const decoders = { 16000: await OpusStreamDecoder.create({ sampleRate: 16000 }), 48000: await OpusStreamDecoder.create({ sampleRate: 48000 }) };
  const decoder = (rate: 16000 | 48000) => () => decoders[rate];
  const decodeWith = (d: OpusStreamDecoder) => payloads.map((p) => d.decode(p).samples);
  const decodeAll = async (rate: 16000 | 48000) => decodeWith(decoders[rate]);
  stages['opus-decode'] = await cpuPerAudioSecond(decodeWith, audioSeconds, decoder(16000));
  const before = { 'opus-decode-48k': await cpuPerAudioSecond(decodeWith, audioSeconds, decoder(48000)), 'resample-48k': 0 };
  const at48 = await decodeAll(48000);
  before['resample-48k'] = await cpuPerAudioSecond(() => {
    const rs = new StreamingResampler(48000, 16000);
    for (const chunk of at48) rs.process(chunk);
  }, audioSeconds);
  const at16 = await decodeAll(16000);

  // --- core windows (STFT, gate, signal evidence)
  const loaded = await loadModel(MODEL, { provider: 'cpu', intraOpThreads: 1, maxBatch: 16 });
  const model = loaded;
  let windows: ReadyWindow[] = [];
  stages.windows = await cpuPerAudioSecond(() => {
    const p = new WindowProducer({ card: model.card, inputRate: 16000 });
    windows = at16.flatMap((chunk) => p.push(chunk));
  }, audioSeconds);

  // --- Silero over every frame: STREAMS_TOGETHER streams through one detector session, as a monitor with
  // that many streams runs it (their frames share runs), per stream; and one stream alone
  const silero = await loadSpeechDetector();
  const detectStreams = async (n: number, detect: boolean) => {
    const streams = Array.from({ length: n }, () => {
      const detector = detect ? new SpeechDetector(silero, { maxPendingFrames: Infinity }) : undefined;
      return { detector, producer: new WindowProducer({ card: model.card, inputRate: 16000, detector }) };
    });
    const judged: Promise<unknown>[] = [];
    for (const chunk of at16) for (const s of streams) for (const w of s.producer.push(chunk)) if (s.detector) judged.push(s.detector.judge(w));
    await Promise.all(judged);
  };
  // the detector's cost = the same loop with it minus without it (the framing is in both), never below 0
  // (short --smoke runs are noisy)
  const detectorCost = async (n: number) =>
    Math.max(0, (await cpuPerAudioSecond(() => detectStreams(n, true), audioSeconds * n)) - (await cpuPerAudioSecond(() => detectStreams(n, false), audioSeconds * n)));
  const detectorAlone = await detectorCost(1);
  stages['speech-detector'] = await detectorCost(STREAMS_TOGETHER);

  // --- the model, batches of 16 streams at the same hop (the monitor's batches): streamed when the card has a
  // pair (the front end once per hop, as the monitor runs it), and the whole-window model beside it
  const hop = model.card.input.hopFrames / 100;
  const whole = await loadModel(MODEL, { provider: 'cpu', intraOpThreads: 1, maxBatch: 16, streaming: false });
  let scores: Awaited<ReturnType<typeof model.scoreWindows>> = [];
  const perWindow = async (m: typeof model) =>
    cpuPerAudioSecond(async () => {
      scores = [];
      for (const w of windows) {
        const batch = Array.from({ length: 16 }, (_, s) => ({ streamId: `s${s}`, index: w.index, data: w.frames }));
        scores.push((await m.scoreWindows(batch))[0]!);
      }
      for (let s = 0; s < 16; s++) m.forget(`s${s}`);
    }, windows.length * 16);
  stages.model = (await perWindow(model)) / hop;
  const wholeWindowModel = (await perWindow(whole)) / hop;
  await whole.release();

  // --- telemetry: smoothing + alert rule + the JSON each event is sent as
  const events: ScoreEvent[] = windows.map((w, i) =>
    windowEvent(w, scores[i] ? scoredOutcome(scores[i]!) : notScoredOutcome('no-speech'), { streamId: 's', model: model.id, now: Date.now() }),
  );
  stages.telemetry = await cpuPerAudioSecond(async () => {
    const raw = new Subject<ScoreEvent>();
    const smoothed = raw.pipe(withQuality());
    const alerts = firstValueFrom(smoothed.pipe(degradedFor({ seconds: 5, band: 'poor' }), toArray()));
    let bytes = 0;
    smoothed.subscribe((e) => (bytes += JSON.stringify({ type: 'score', event: e }).length));
    for (const e of events) raw.next(e);
    raw.complete();
    await alerts;
    return bytes;
  }, audioSeconds);

  await model.release();
  await silero.release();
  const pipeline = Object.entries(stages).filter(([k]) => k !== 'model').reduce((s, [, v]) => s + v, 0);
  const total = pipeline + stages.model;
  console.log(
    JSON.stringify({
      model: model.id,
      speech: speechSource,
      audioSeconds,
      repeat: REPEAT,
      rtpDelivered: delivered,
      msPerAudioSecond: stages,
      before: { ...before, 'speech-detector-one-stream': detectorAlone },
      streamsTogether: STREAMS_TOGETHER,
      pipelineMsPerAudioSecond: pipeline,
      totalMsPerAudioSecond: total,
      streamed: model.streaming,
      wholeWindowModelMsPerAudioSecond: wholeWindowModel,
      modelRtf: stages.model / 1000,
      modelBoundStreamsPerCore: 1000 / stages.model,
      pipelineBoundStreamsPerCore: 1000 / total,
    }),
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);
