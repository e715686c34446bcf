/**
 * One stream end to end without mediasoup: real libopus packets (ffmpeg) wrapped in RTP, through the
 * jitter buffer, decoder and core pipeline, scored by a real model in the shared pool. Bad input of
 * every kind is thrown at one stream while a clean stream shares the pool.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MosModel, ScoreEvent, SileroVad } from '@callmos/core';
import { loadModel, loadSpeechDetector } from '@callmos/node';
import { AudioStream } from '../src/audio/audio-stream.js';
import { OpusStreamDecoder } from '../src/audio/opus-stream-decoder.js';
import { TeacherPool } from '../src/pool/teacher-pool.js';
import { buildRtp } from '../src/rtp/rtp-packet.js';
import { fixtureModelDir } from './helpers/models.js';
import { ffmpegPath, opusPackets, speech16k, whiteNoise, writeWav } from './helpers/media.js';

let model: MosModel;
let pool: TeacherPool;
let packets: Uint8Array[];
let tonePackets: Uint8Array[];
let speech: SileroVad;

const rtp = (i: number, payload: Uint8Array, { ssrc = 0x1234, seqBase = 1000, tsBase = 5000 } = {}) =>
  buildRtp({ payloadType: 100, sequenceNumber: (seqBase + i) & 0xffff, timestamp: tsBase + i * 960, ssrc, payload });

async function run(
  feed: (s: AudioStream) => void,
  streamId = 's',
  extra: { now?: () => number; speech?: SileroVad; decodeRate?: 16000 | 48000 } = {},
): Promise<{ events: ScoreEvent[]; stream: AudioStream }> {
  const events: ScoreEvent[] = [];
  const decoder = await OpusStreamDecoder.create({ sampleRate: extra.decodeRate ?? 48000 });
  const stream = new AudioStream({ streamId, pool, decoder, payloadType: 100, speech: extra.speech, onEvent: (e) => events.push(e), now: extra.now });
  feed(stream);
  await stream.end();
  return { events, stream };
}

const inOrder = (s: AudioStream) => packets.forEach((p, i) => s.pushRtp(rtp(i, p)));

describe.skipIf(!ffmpegPath)('AudioStream: RTP -> jitter -> Opus -> windows -> pool', () => {
  beforeAll(async () => {
    model = await loadModel(fixtureModelDir(), { provider: 'cpu', intraOpThreads: 1, maxBatch: 8 });
    pool = new TeacherPool(model, { batchSize: 8, maxWaitMs: 5, maxPendingPerStream: 64 });
    const dir = mkdtempSync(join(tmpdir(), 'callmos-stream-'));
    writeWav(join(dir, 's.wav'), await speech16k(6), 16000);
    packets = opusPackets(join(dir, 's.wav'), join(dir, 's.ogg'));
    // a 300 Hz hum at -20 dBFS: energy in every frame, no speech
    writeWav(join(dir, 'tone.wav'), Float32Array.from({ length: 6 * 16000 }, (_, i) => 0.14 * Math.sin((2 * Math.PI * 300 * i) / 16000)), 16000);
    tonePackets = opusPackets(join(dir, 'tone.wav'), join(dir, 'tone.ogg'));
    speech = await loadSpeechDetector();
  });
  afterAll(async () => {
    pool.close();
    await model.release();
    await speech.release();
  });

  it('scores every window of a clean stream, in order', async () => {
    const { events, stream } = await run(inOrder);
    // 6 s at W = 1 s, hop 0.5 s: 11 windows
    expect(events.map((e) => e.start)).toEqual(Array.from({ length: events.length }, (_, k) => k * 0.5));
    expect(events.length).toBeGreaterThanOrEqual(10);
    expect(events.filter((e) => e.scored).length).toBeGreaterThanOrEqual(8);
    expect(events.every((e) => e.streamId === 's' && e.model === model.id)).toBe(true);
    expect(stream.stats).toMatchObject({ malformed: 0, jitter: { lost: 0 }, opus: { corrupt: 0, concealed: 0 } });
    expect(stream.stats.duration).toBeCloseTo(packets.length * 0.02, 6);
  });

  it('scores streams whose packets interleave as it scores each alone (their decoders share one wasm heap and its output buffer)', async () => {
    const alone = (await run(inOrder, 'alone', { decodeRate: 16000 })).events;
    const events: Record<string, ScoreEvent[]> = { a: [], b: [] };
    const [da, db] = await Promise.all([OpusStreamDecoder.create({ sampleRate: 16000 }), OpusStreamDecoder.create({ sampleRate: 16000 })]);
    const a = new AudioStream({ streamId: 'a', pool, decoder: da, payloadType: 100, onEvent: (e) => events.a!.push(e) });
    const b = new AudioStream({ streamId: 'b', pool, decoder: db, payloadType: 100, onEvent: (e) => events.b!.push(e) });
    packets.forEach((p, i) => {
      a.pushRtp(rtp(i, p));
      b.pushRtp(rtp(i, tonePackets[i % tonePackets.length]!, { ssrc: 0x9999 }));
    });
    await Promise.all([a.end(), b.end()]);
    expect(events.a!.map((e) => e.mos)).toEqual(alone.map((e) => e.mos));
    expect(events.a!.length).toBeGreaterThan(5);
    da.close();
    db.close();
  });

  it('gives identical scores under 30 % reordering (the jitter buffer restores the order)', async () => {
    const ref = (await run(inOrder)).events;
    const order = packets.map((_, i) => i);
    const r = whiteNoise(order.length, 5);
    for (let i = 1; i + 1 < order.length; i++) if (r[i]! < -0.4) [order[i], order[i + 1]] = [order[i + 1]!, order[i]!];
    const { events, stream } = await run((s) => order.forEach((i) => s.pushRtp(rtp(i, packets[i]!))));
    expect(stream.stats.jitter.reordered).toBeGreaterThan(packets.length * 0.15);
    expect(stream.stats.jitter.lost).toBe(0);
    expect(events.map((e) => e.mos)).toEqual(ref.map((e) => e.mos));
  });

  it('conceals 20 % loss (counted) and keeps stream time', async () => {
    const r = whiteNoise(packets.length, 9);
    // a loss before the first or after the last packet cannot be seen: keep both ends
    const drop = (i: number) => i > 0 && i < packets.length - 1 && r[i]! < -0.6;
    const { events, stream } = await run((s) => packets.forEach((p, i) => !drop(i) && s.pushRtp(rtp(i, p))));
    const dropped = packets.filter((_, i) => drop(i)).length;
    expect(stream.stats.opus.concealed).toBe(dropped);
    expect(stream.stats.jitter.lost).toBe(dropped);
    expect(stream.stats.duration).toBeCloseTo(packets.length * 0.02, 6);
    expect(events.length).toBe((await run(inOrder)).events.length);
  });

  it('survives random bytes, truncated Opus frames and garbage payloads, and a clean stream beside it loses nothing', async () => {
    const noise = whiteNoise(400_000, 21);
    const bytes = (i: number, n: number) => Uint8Array.from(noise.subarray(i * 97, i * 97 + n), (v) => Math.floor((v + 1) * 128) & 0xff);
    const [bad, good, ref] = await Promise.all([
      run((s) => {
        packets.forEach((p, i) => {
          s.pushRtp(bytes(i, 5 + (i % 60))); // random bytes as RTP
          if (i % 7 === 3) s.pushRtp(rtp(i, p.subarray(0, Math.max(1, p.length >> 2)))); // truncated frame
          else if (i % 11 === 5) s.pushRtp(rtp(i, bytes(i + 1000, 40))); // garbage payload
          else s.pushRtp(rtp(i, p));
        });
      }, 'bad'),
      run(inOrder, 'good'),
      run(inOrder, 'ref'),
    ]);
    expect(bad.stream.stats.malformed + bad.stream.stats.rtpPackets).toBeGreaterThan(packets.length);
    expect(bad.stream.stats.malformed).toBeGreaterThan(packets.length * 0.5);
    expect(bad.stream.stats.opus.corrupt).toBeGreaterThan(0);
    expect(bad.events.length).toBeGreaterThanOrEqual(ref.events.length - 1);
    expect(good.events.map((e) => e.mos)).toEqual(ref.events.map((e) => e.mos));
  });

  it('fills a short timestamp gap (DTX) with silence, leaves a long jump (pause) unfilled, resets on a new SSRC', async () => {
    const half = packets.length >> 1;
    const { stream } = await run((s) => {
      packets.slice(0, 50).forEach((p, i) => s.pushRtp(rtp(i, p)));
      // DTX: 0.5 s without packets, numbering continues
      packets.slice(50, 100).forEach((p, i) => s.pushRtp(rtp(50 + i, p, { tsBase: 5000 + 24000 })));
      // paused for 60 s
      packets.slice(100, half).forEach((p, i) => s.pushRtp(rtp(100 + i, p, { tsBase: 5000 + 24000 + 48000 * 60 })));
      // the sender restarts with a new SSRC and numbering
      packets.slice(half).forEach((p, i) => s.pushRtp(rtp(i, p, { ssrc: 0x9999, seqBase: 7, tsBase: 1 })));
    });
    expect(stream.stats.silenceFills).toBe(1);
    expect(stream.stats.timestampJumps).toBe(1);
    expect(stream.stats.jitter.resets).toBe(1);
    expect(stream.stats.duration).toBeCloseTo(packets.length * 0.02 + 0.5, 6);
  });

  it("decoded straight to 16 kHz (the monitor's way): same stream time, gaps and losses in RTP ticks, the scores of the 48 kHz path", async () => {
    const feed = (s: AudioStream) => {
      packets.slice(0, 50).forEach((p, i) => s.pushRtp(rtp(i, p)));
      // DTX: 0.5 s without packets; then packets 60-64 lost
      packets.slice(50).forEach((p, i) => (50 + i < 60 || 50 + i > 64) && s.pushRtp(rtp(50 + i, p, { tsBase: 5000 + 24000 })));
    };
    const [at16, at48] = await Promise.all([run(feed, 'at16', { decodeRate: 16000 }), run(feed, 'at48')]);
    for (const { stream } of [at16, at48]) {
      expect(stream.stats.silenceFills).toBe(1);
      expect(stream.stats.timestampJumps).toBe(0);
      expect(stream.stats.opus.concealed).toBe(5);
      expect(stream.stats.duration).toBeCloseTo(packets.length * 0.02 + 0.5, 6);
    }
    expect(at16.events.map((e) => [e.start, e.end])).toEqual(at48.events.map((e) => [e.start, e.end]));
    // libopus's own decimation instead of the core resampler's: the same audio to within a band edge
    const diffs = at16.events.filter((e) => e.scored).map((e, i) => Math.abs(e.mos! - at48.events.filter((x) => x.scored)[i]!.mos!));
    expect(diffs.length).toBeGreaterThan(3);
    expect(Math.max(...diffs)).toBeLessThan(0.05); // measured 0.0016 with the fixture model
  });

  it('gives a sender whose timestamps advance 1.9 s per packet no more made-up silence than the wall clock allows', async () => {
    // packets sent every 20 ms (the clock of the stream), each stamped 1.9 s after the one before
    let clock = 0;
    const { stream, events } = await run(
      (s) => packets.forEach((p, i) => ((clock += 20), s.pushRtp(rtp(i, p, { tsBase: 5000 + i * (91200 - 960) })))),
      's',
      { now: () => clock },
    );
    const sent = packets.length * 0.02;
    // decoded audio + silence at most as long as the time that passed + the budget's capacity (2 s + 1 s)
    expect(stream.stats.duration).toBeLessThanOrEqual(sent + sent + 3 + 0.02);
    expect(stream.stats.fillThrottled).toBeGreaterThan(packets.length * 0.9);
    expect(events.length).toBeLessThan(40); // 568 s of stream time would have been 1,135 windows
  });

  it('bounds concealment by the wall clock when sequence numbers jump by 500 per packet', async () => {
    let clock = 0;
    const { stream } = await run(
      (s) => packets.forEach((p, i) => ((clock += 20), s.pushRtp(rtp(i * 500, p, { tsBase: 5000 - i * 500 * 960 + i * 960 })))),
      's',
      { now: () => clock },
    );
    expect(stream.stats.jitter.lost).toBeGreaterThan(packets.length * 400); // the sender claims ~150,000 lost packets
    const concealedSeconds = stream.stats.opus.concealedSamples / 48000;
    expect(concealedSeconds).toBeLessThanOrEqual(packets.length * 0.02 + 3 + 0.02); // not 1 s per packet
    expect(stream.stats.fillThrottled).toBeGreaterThan(packets.length * 0.9);
  });

  it('decodes a sender ten times faster than real time no further ahead of the wall clock than maxLeadMs', async () => {
    let clock = 0;
    const loops = 3; // 18 s of audio sent in 1.8 s
    const { stream } = await run(
      (s) => {
        for (let i = 0; i < loops * packets.length; i++) (clock += 2), s.pushRtp(rtp(i, packets[i % packets.length]!));
      },
      's',
      { now: () => clock },
    );
    expect(stream.stats.duration).toBeLessThanOrEqual(clock / 1000 + 10 + 0.02);
    expect(stream.stats.overRate).toBeGreaterThan(250); // ~6 s of 20 ms packets
    expect(stream.stats.timestampJumps).toBe(0); // a dropped packet is not a gap
    expect(stream.stats.silenceFills).toBe(0);
  });

  it('with the speech detector, scores the speech and no window of a tone (issue 15)', async () => {
    const feedTone = (s: AudioStream) => tonePackets.forEach((p, i) => s.pushRtp(rtp(i, p)));
    const gateOnly = await run(feedTone, 'tone-gate');
    expect(gateOnly.events.filter((e) => e.scored).length).toBeGreaterThanOrEqual(8); // the bug: a hum scored as speech
    const tone = await run(feedTone, 'tone', { speech });
    expect(tone.events.length).toBe(gateOnly.events.length);
    expect(tone.events.filter((e) => e.scored)).toEqual([]);
    expect(tone.events.every((e) => e.reason === 'no-speech' && e.speechRatio === 0)).toBe(true);
    const withSpeech = await run(inOrder, 'speech', { speech });
    expect(withSpeech.events.filter((e) => e.scored).length).toBeGreaterThanOrEqual(8);
    // the detector only takes windows away: what it keeps scores exactly as without it
    const ref = (await run(inOrder)).events;
    withSpeech.events.forEach((e, i) => {
      if (e.scored) expect(e.mos).toBe(ref[i]!.mos);
    });
  });

  it('scores a stream shorter than a window once, at its end (short-clip rule)', async () => {
    const { events } = await run((s) => packets.slice(0, 30).forEach((p, i) => s.pushRtp(rtp(i, p))));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ start: 0, scored: true });
    expect(events[0]!.end).toBeCloseTo(0.6, 6);
  });
});
