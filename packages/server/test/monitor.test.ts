/**
 * attachQualityMonitor on a real mediasoup worker: PlainTransport producers receive real RTP (libopus
 * packets from ffmpeg, sent by the test over 127.0.0.1), the monitor consumes them through its
 * DirectTransport and scores them with a real model (core's small contract fixture, for speed).
 */
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filter, firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import type { Router, Worker } from 'mediasoup/types';
import type { ScoreEvent } from '@callmos/core';
import { ModelLoadError } from '@callmos/node';
import { attachQualityMonitor } from '../src/monitor/attach-quality-monitor.js';
import { createMonitorScoring } from '../src/monitor/monitor-scoring.js';
import { MonitorError, type QualityMonitor } from '../src/monitor/quality-monitor.js';
import type { ParticipantState } from '../src/monitor/types.js';
import { metricsHandler } from '../src/telemetry/metrics.js';
import { fixtureModelDir } from './helpers/models.js';
import { ffmpegPath, opusPackets, speech16k, whiteNoise, writeWav } from './helpers/media.js';
import { createRouter, plainOpusProducer, sendRtpRun, startWorker, udpSender, workerMissing } from './helpers/mediasoup.js';

const skip = workerMissing ?? (ffmpegPath ? null : 'ffmpeg is not installed');
if (skip) console.warn(`monitor tests skipped: ${skip}`);

let packets: Uint8Array[];
let modelDir: string;
const quiet = { log: () => undefined, provider: 'cpu' as const, intraOpThreads: 1, networkStatsIntervalMs: 200 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once the monitor consumes every producer given (RTP before that is not seen). */
function consuming(qm: QualityMonitor, ...producerIds: string[]): Promise<unknown> {
  return firstValueFrom(qm.participants$.pipe(filter((ps) => producerIds.every((id) => ps.some((p) => p.producerId === id && p.consuming)))));
}

/** Sends packets [from, to) as RTP, 5 ms apart in groups (faster than real time, gentle on UDP buffers). */
async function sendRtp(port: number, ssrc: number, from: number, to: number, order?: number[], garbage = new Set<number>()): Promise<void> {
  // one socket per port for the whole test: a comedia PlainTransport only takes RTP from its first sender
  const tx = (senders.get(port) ?? senders.set(port, await udpSender(port)).get(port))!;
  const junk = whiteNoise(40, ssrc);
  // a packet in `garbage` keeps its RTP header but carries random bytes instead of Opus
  const payload = (i: number) => (garbage.has(i) ? Uint8Array.from(junk, (v) => Math.floor((v + 1) * 128) & 0xff) : packets[i % packets.length]!);
  await sendRtpRun(tx, packets, { ssrc, from, to, order, payload });
}
const senders = new Map<number, Awaited<ReturnType<typeof udpSender>>>();

describe.skipIf(skip !== null)('attachQualityMonitor (real mediasoup worker, real RTP)', () => {
  let worker: Worker;
  let router: Router;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callmos-monitor-'));
    writeWav(join(dir, 's.wav'), await speech16k(8), 16000);
    packets = opusPackets(join(dir, 's.wav'), join(dir, 's.ogg'));
    modelDir = fixtureModelDir();
    worker = await startWorker();
    router = await createRouter(worker, { room: 'blue' });
  });
  afterAll(() => {
    for (const tx of senders.values()) tx.close();
    worker?.close();
  });

  it('fails the attach with a clear error for a missing or wrong-contract model', async () => {
    await expect(attachQualityMonitor(router, { ...quiet, model: '/nonexistent/model.onnx' })).rejects.toThrow(ModelLoadError);
    await expect(attachQualityMonitor(router, { ...quiet, model: 'no-such-model' })).rejects.toThrow(/no model named "no-such-model"/);
    const wrong = mkdtempSync(join(tmpdir(), 'callmos-wrong-'));
    const fixtures = fileURLToPath(new URL('../../core/test/fixtures/models/', import.meta.url));
    copyFileSync(join(fixtures, 'wrong-bins.onnx'), join(wrong, 'model.onnx'));
    copyFileSync(join(fixtures, 'tiny-ok.card.json'), join(wrong, 'card.json'));
    await expect(attachQualityMonitor(router, { ...quiet, model: wrong })).rejects.toThrow(/does not match .*card\.json/);
  });

  it('without a model named, runs the default for this machine and its start-up line says which and why', async () => {
    const lines: string[] = [];
    const qm = await attachQualityMonitor(router, { ...quiet, worker, log: (line) => lines.push(line) });
    try {
      // provider 'cpu' here: on CPU the default is the largest model the bench holds 40 streams per core with
      // (base since the 2026-12-07 21:03 bench: 64 streams per core; small before it, when base held 32)
      expect(qm.backend.model).toMatch(/^base@/);
      expect(qm.backend.modelChoice).toMatch(/^default on CPU: CPU asked for; the largest model the bench measured holding 40 streams per core: base \d+$/);
      expect(lines).toEqual([expect.stringContaining(`with ${qm.backend.model} on CPU (${qm.backend.modelChoice})`)]);
    } finally {
      await qm.close();
    }
  });

  it('scores every Opus producer, reports participants and room, handles pause/resume, completes a closed producer', async () => {
    const qm = await attachQualityMonitor(router, { ...quiet, worker, model: modelDir, batchSize: 4, maxWaitMs: 20 });
    expect(qm.backend).toMatchObject({ provider: 'cpu', batchSize: 4, speechDetector: 'silero-vad-v6' });
    expect(qm.room).toBe('blue');
    const a = await plainOpusProducer(router, 1111, { peer: 'alice' });
    const b = await plainOpusProducer(router, 2222, { peer: 'bob' });
    expect(qm.producerIds.sort()).toEqual([a.producer.id, b.producer.id].sort());
    expect(() => qm.stream$('nope')).toThrow(MonitorError);

    await consuming(qm, a.producer.id, b.producer.id);
    const aEvents = lastValueFrom(qm.stream$(a.producer.id).pipe(toArray()));
    const bEvents: ScoreEvent[] = [];
    qm.stream$(b.producer.id).subscribe((e) => bEvents.push(e));
    const states: ParticipantState[][] = [];
    // one timeline of alice's score events and of the states that say she closed
    const aliceTimeline: string[] = [];
    qm.participants$.subscribe((ps) => {
      states.push(ps);
      if (ps.some((p) => p.producerId === a.producer.id && p.closed)) aliceTimeline.push('closed');
    });
    const all: ScoreEvent[] = [];
    qm.scores$.subscribe((e) => {
      all.push(e);
      if (e.streamId === a.producer.id) aliceTimeline.push('score');
    });

    await Promise.all([sendRtp(a.port, 1111, 0, 200), sendRtp(b.port, 2222, 0, 200)]);
    await a.producer.pause();
    await sleep(50);
    expect(qm.currentParticipants.find((p) => p.producerId === a.producer.id)).toMatchObject({ paused: true, appData: { peer: 'alice' }, room: 'blue' });
    await a.producer.resume();
    await sleep(50);
    await sendRtp(a.port, 1111, 200, 300);
    await sleep(300);
    a.producer.close(); // mid-window: its last windows are still scored, then its stream completes
    const aList = await aEvents;
    expect(aList.length).toBeGreaterThanOrEqual(10);
    expect(aList.every((e) => e.streamId === a.producer.id)).toBe(true);
    expect(aList.filter((e) => e.scored).every((e) => typeof e.emaMos === 'number' && e.band !== undefined)).toBe(true);
    expect(aList.at(-1)!.end).toBeGreaterThan(5.5);
    // participants$ said once more, with closed: true, then it is gone
    expect(states.at(-1)!.find((p) => p.producerId === a.producer.id)).toMatchObject({ closed: true, consuming: false, appData: { peer: 'alice' } });
    // ... once, after her last score event, with final counters: a dashboard that drops a closed participant
    // misses nothing (states published while her last windows were being scored said closed too, before)
    expect(aliceTimeline.filter((x) => x === 'closed')).toEqual(['closed']);
    expect(aliceTimeline.at(-1)).toBe('closed');
    expect(states.at(-1)!.find((p) => p.producerId === a.producer.id)!.stats.windows).toBe(aList.length);
    expect(qm.currentParticipants.map((p) => p.producerId)).toEqual([b.producer.id]);
    expect(qm.producerIds).toEqual([b.producer.id]);

    // bob is still monitored and still scored
    const before = bEvents.length;
    await sendRtp(b.port, 2222, 200, 300);
    for (let i = 0; i < 40 && bEvents.length <= before; i++) await sleep(50);
    expect(bEvents.length).toBeGreaterThan(before);
    const room = await firstValueFrom(qm.room$);
    expect(room).toMatchObject({ room: 'blue', count: 1 });
    const bobPackets = () => qm.currentParticipants.find((p) => p.producerId === b.producer.id)?.stats.rtpPackets;
    for (let i = 0; i < 40 && bobPackets() !== 300; i++) await sleep(50);
    expect(bobPackets()).toBe(300);
    const bob = qm.currentParticipants.find((p) => p.producerId === b.producer.id)!;
    expect(bob.network?.codec).toBe('opus');
    expect(all.length).toBe(aList.length + bEvents.length);
    await qm.close();
    await b.transport.close();
    await a.transport.close();
  });

  it('publishes participants$ at a bounded rate under score events (issue 17: not O(N^2)), with every last score in it', async () => {
    const qm = await attachQualityMonitor(router, { ...quiet, worker, model: modelDir, batchSize: 8, maxWaitMs: 20, participantsIntervalMs: 400 });
    const ps = await Promise.all([8101, 8102, 8103].map((ssrc) => plainOpusProducer(router, ssrc)));
    await consuming(qm, ...ps.map((p) => p.producer.id));
    const emitted: number[] = [];
    qm.participants$.subscribe(() => emitted.push(performance.now()));
    const scores: ScoreEvent[] = [];
    let lastScoreAt = 0;
    qm.scores$.subscribe((e) => (scores.push(e), (lastScoreAt = performance.now())));
    emitted.length = 0; // the BehaviorSubject's current value
    await Promise.all(ps.map((p, i) => sendRtp(p.port, 8101 + i, 0, 300)));
    // the last windows scored, and the trailing publication after them (at most one interval later)
    await sleep(1500);
    while (performance.now() - lastScoreAt < 400 + 200) await sleep(100);
    expect(scores.length).toBeGreaterThanOrEqual(3 * 10);
    const gaps = emitted.slice(1).map((t, i) => t - emitted[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(400 - 5); // no structural change here: every one is a score batch
    expect(emitted.length).toBeLessThan(scores.length / 3);
    const last = (id: string) => scores.filter((e) => e.streamId === id).at(-1);
    for (const state of qm.currentParticipants) expect(state.last).toEqual(last(state.producerId));
    const published = await firstValueFrom(qm.participants$);
    for (const p of ps) expect(published.find((s) => s.producerId === p.producer.id)?.last).toEqual(last(p.producer.id));
    await qm.close();
    for (const p of ps) p.transport.close();
    await expect(attachQualityMonitor(router, { ...quiet, model: modelDir, participantsIntervalMs: -1 })).rejects.toThrow(/participantsIntervalMs/);
  });

  it('counts random bytes, garbage Opus and 30 % reordering on one producer while another loses no events', async () => {
    const qm = await attachQualityMonitor(router, { ...quiet, worker, model: modelDir, batchSize: 8, maxWaitMs: 20 });
    const bad = await plainOpusProducer(router, 3333);
    const good = await plainOpusProducer(router, 4444);
    await consuming(qm, bad.producer.id, good.producer.id);
    const goodEvents = lastValueFrom(qm.stream$(good.producer.id).pipe(toArray()));
    const badEvents = lastValueFrom(qm.stream$(bad.producer.id).pipe(toArray()));
    const r = whiteNoise(400, 17);
    const order = Array.from({ length: 300 }, (_, i) => i);
    for (let i = 1; i + 1 < order.length; i++) if (r[i]! < -0.4) [order[i], order[i + 1]] = [order[i + 1]!, order[i]!];
    const noise = whiteNoise(100_000, 5);
    // the producer's own sender (comedia locks onto it) also sends random bytes
    const junk = await udpSender(bad.port);
    senders.set(bad.port, junk);
    const garbage = new Set(Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 9 === 4));
    await Promise.all([
      sendRtp(bad.port, 3333, 0, 300, order, garbage),
      (async () => {
        for (let i = 0; i < 100; i++) {
          // random bytes from the producer's own address: the worker drops what is not its RTP, nothing else may notice
          await junk.send(Uint8Array.from(noise.subarray(i * 50, i * 50 + 1 + (i % 40)), (v) => Math.floor((v + 1) * 128) & 0xff));
          await sleep(5);
        }
      })(),
      sendRtp(good.port, 4444, 0, 300),
    ]);
    await sleep(300);
    const badState = qm.currentParticipants.find((p) => p.producerId === bad.producer.id)!;
    expect(badState.stats.jitter.reordered).toBeGreaterThan(30);
    expect(badState.stats.jitter.lost).toBe(0);
    expect(badState.stats.opus.corrupt).toBeGreaterThan(10);
    // the monitor's totals and /metrics count the same drops
    expect(qm.stats.dropped['corrupt-opus']).toBe(badState.stats.opus.corrupt);
    const metrics = metricsHandler(qm);
    expect(await metrics.metrics()).toContain(`callmos_dropped_inputs_total{room="blue",reason="corrupt-opus"} ${badState.stats.opus.corrupt}`);
    metrics.close();
    await qm.close();
    const [g, b] = await Promise.all([goodEvents, badEvents]);
    expect(g.length).toBe(11); // 6 s at W = 1 s, hop 0.5 s: frames 0..599, windows 0..10
    expect(g.filter((e) => e.scored).length).toBeGreaterThanOrEqual(9);
    expect(b.length).toBeGreaterThan(0);
    await bad.transport.close();
    await good.transport.close();
  });

  it('leaves non-Opus audio producers alone', async () => {
    const w = await startWorker();
    const rt = await w.createRouter({ mediaCodecs: [{ kind: 'audio', mimeType: 'audio/PCMU', clockRate: 8000, channels: 1 }] });
    const qm = await attachQualityMonitor(rt, { ...quiet, worker: w, model: modelDir });
    const t = await rt.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, comedia: true });
    await t.produce({ kind: 'audio', rtpParameters: { codecs: [{ mimeType: 'audio/PCMU', payloadType: 0, clockRate: 8000 }], encodings: [{ ssrc: 9 }] } });
    expect(qm.producerIds).toEqual([]);
    await qm.close();
    w.close();
  });

  const teachersDir = fileURLToPath(new URL('../../../../shared/teachers/', import.meta.url));
  const teachers = { dnsmos: join(teachersDir, 'dnsmos/sig_bak_ovr.onnx'), plcmos: join(teachersDir, 'plcmos/plcmos_v2.onnx') };
  it.skipIf(!existsSync(teachers.dnsmos) || !existsSync(teachers.plcmos))('adds DNSMOS P.835 and PLCMOS v2 scores as extra fields when given their paths', async () => {
    const qm = await attachQualityMonitor(router, { ...quiet, worker, model: modelDir, teachers: { ...teachers, intervalSec: 3, plcmosRounds: 2 } });
    expect(qm.backend.teachers).toEqual(['dnsmos', 'plcmos']);
    const p = await plainOpusProducer(router, 7777);
    await consuming(qm, p.producer.id);
    const events = lastValueFrom(qm.stream$(p.producer.id).pipe(toArray()));
    await sendRtp(p.port, 7777, 0, 200); // 4 s: a teacher run on the first 3 s starts
    await sleep(5000); // DNSMOS takes about 1 s of CPU per run
    await sendRtp(p.port, 7777, 200, 300);
    await sleep(300);
    await qm.close();
    const withExtra = (await events).filter((e) => e.extra);
    expect(withExtra.length).toBeGreaterThan(0);
    for (const key of ['dnsmos_sig', 'dnsmos_bak', 'dnsmos_ovrl', 'plcmos']) {
      expect(withExtra[0]!.extra![key]).toBeGreaterThan(1);
      expect(withExtra[0]!.extra![key]).toBeLessThan(5);
    }
    await p.transport.close();
  }, 30_000);

  it('scores on an inference thread what it scores in process, and fails loudly when that thread dies', async () => {
    const inProcess = await attachQualityMonitor(router, { ...quiet, worker, model: modelDir, inferenceThread: false });
    const lines: string[] = [];
    const threaded = await attachQualityMonitor(router, { ...quiet, log: (l) => lines.push(l), worker, model: modelDir, inferenceThread: true });
    expect(threaded.backend.inferenceThread).toBe(true);
    expect(inProcess.backend.inferenceThread).toBe(false);
    // 'auto' (the default): a thread when this process may use more than one core (taskset narrows it)
    const auto = await attachQualityMonitor(router, { ...quiet, worker, model: modelDir });
    expect(auto.backend.inferenceThread).toBe(availableParallelism() > 1);
    await auto.close();
    await expect(attachQualityMonitor(router, { ...quiet, worker, model: modelDir, inferenceThread: 'yes' as unknown as boolean })).rejects.toThrow(
      /inferenceThread must be true, false or 'auto', got yes/,
    );
    expect(lines.join('\n')).toMatch(/inference on a worker thread/);
    const p = await plainOpusProducer(router, 7777);
    await Promise.all([consuming(inProcess, p.producer.id), consuming(threaded, p.producer.id)]);
    const a = lastValueFrom(inProcess.stream$(p.producer.id).pipe(toArray()));
    const b = lastValueFrom(threaded.stream$(p.producer.id).pipe(toArray()));
    await sendRtp(p.port, 7777, 0, 250);
    await sleep(300);
    p.producer.close();
    const [ea, eb] = await Promise.all([a, b]);
    const scores = (events: ScoreEvent[]) => events.filter((e) => e.scored).map((e) => [e.start, Number(e.mos!.toFixed(4))]);
    expect(scores(ea).length).toBeGreaterThanOrEqual(3);
    expect(scores(eb)).toEqual(scores(ea));
    await inProcess.close();

    // the thread dies under the monitor (an abort in native code would): it stops, it does not score nothing forever
    const q = await plainOpusProducer(router, 7778);
    await consuming(threaded, q.producer.id);
    const outcome = lastValueFrom(threaded.scores$.pipe(toArray())).then(() => 'completed', (e: Error) => e);
    // a fault inside the thread kills it (a message no request looks like; terminating it mid-run would abort the process)
    (threaded as unknown as { scoring: { thread: { worker: { postMessage(m: unknown): void } } } }).scoring.thread.worker.postMessage(null);
    const err = await outcome;
    expect(err).toBeInstanceOf(MonitorError);
    expect((err as MonitorError).code).toBe('MONITOR_FAILED');
    expect((err as Error).message).toMatch(/inference failed for good: the inference thread (failed|exited)/);
    await threaded.close();
    await p.transport.close();
    await q.transport.close();
  });

  it('shares one scoring between the routers of two workers: one model, one batch queue, each monitor its own streams', async () => {
    const scoring = await createMonitorScoring({ model: modelDir, provider: 'cpu', intraOpThreads: 1, inferenceThread: true, batchSize: 8, maxWaitMs: 30 });
    await expect(attachQualityMonitor(router, { ...quiet, scoring })).rejects.toThrow(/provider, intraOpThreads: options of the shared scoring/);
    const w2 = await startWorker();
    const r2 = await createRouter(w2, { room: 'green' });
    const lines: string[] = [];
    const one = await attachQualityMonitor(router, { log: (l) => lines.push(l), worker, scoring, networkStatsIntervalMs: 200 });
    const two = await attachQualityMonitor(r2, { log: (l) => lines.push(l), worker: w2, scoring, networkStatsIntervalMs: 200 });
    expect(lines.every((l) => /scoring shared with other monitors/.test(l) && /inference on a worker thread/.test(l))).toBe(true);
    expect(one.pool).toBe(two.pool);
    expect(one.backend).toMatchObject({ model: two.backend.model, inferenceThread: true, batchSize: 8 });
    const a = await plainOpusProducer(router, 8881);
    const b = await plainOpusProducer(r2, 8882);
    await Promise.all([consuming(one, a.producer.id), consuming(two, b.producer.id)]);
    const ea = lastValueFrom(one.stream$(a.producer.id).pipe(toArray()));
    const eb = lastValueFrom(two.stream$(b.producer.id).pipe(toArray()));
    expect(one.producerIds).toEqual([a.producer.id]); // each monitor sees only its router's producers
    expect(two.producerIds).toEqual([b.producer.id]);
    const runs: number[] = [];
    const counting = scoring.pool.runs$.subscribe((r) => runs.push(r.size));
    await Promise.all([sendRtp(a.port, 8881, 0, 250), sendRtp(b.port, 8882, 0, 250)]);
    await sleep(300);
    a.producer.close();
    b.producer.close();
    const [la, lb] = await Promise.all([ea, eb]);
    expect(la.filter((e) => e.scored).length).toBeGreaterThanOrEqual(3);
    expect(lb.filter((e) => e.scored).length).toBeGreaterThanOrEqual(3);
    // both routers' windows went through the one queue, sharing runs
    expect(runs.reduce((x, y) => x + y, 0)).toBe(la.filter((e) => e.scored).length + lb.filter((e) => e.scored).length);
    expect(runs.some((n) => n >= 2)).toBe(true);
    counting.unsubscribe();

    // closing one monitor leaves the scoring to the other, which goes on scoring; closing the scoring under
    // it stops it loudly
    await one.close();
    expect(scoring.closed).toBe(false);
    const c = await plainOpusProducer(r2, 8883);
    await consuming(two, c.producer.id);
    const firstOfC = firstValueFrom(two.stream$(c.producer.id).pipe(filter((e) => e.scored)));
    await sendRtp(c.port, 8883, 0, 250);
    expect((await firstOfC).streamId).toBe(c.producer.id);
    const outcome = lastValueFrom(two.scores$.pipe(toArray())).then(() => 'completed', (e: Error) => e);
    await scoring.close();
    const err = await outcome;
    expect(err).toBeInstanceOf(MonitorError);
    expect((err as MonitorError).code).toBe('MONITOR_FAILED');
    expect((err as Error).message).toMatch(/the monitor scoring was closed/);
    await expect(attachQualityMonitor(r2, { log: () => undefined, scoring })).rejects.toThrow(/the shared monitor scoring cannot score: the monitor scoring was closed/);
    await two.close();
    await a.transport.close();
    await b.transport.close();
    await c.transport.close();
    w2.close();
  });

  it('leaves nothing open when the attach fails late (a bad alert option): no transport, no sessions', async () => {
    const made: { closed: boolean }[] = [];
    const onTransport = (t: { closed: boolean }) => made.push(t);
    router.observer.on('newtransport', onTransport);
    try {
      await expect(attachQualityMonitor(router, { ...quiet, model: modelDir, alert: { seconds: -1 } })).rejects.toThrow(RangeError);
    } finally {
      router.observer.off('newtransport', onTransport);
    }
    expect(made.length).toBe(1);
    expect(made[0]!.closed).toBe(true);
  });

  it('errors every observable when the worker dies, and a new attach on a new worker works', async () => {
    const w = await startWorker();
    const rt = await createRouter(w);
    const qm = await attachQualityMonitor(rt, { ...quiet, worker: w, model: modelDir });
    const p = await plainOpusProducer(rt, 5555);
    const outcomes = (['scores$', 'alerts$', 'participants$', 'room$'] as const).map((k) =>
      lastValueFrom((qm[k] as QualityMonitor['scores$']).pipe(toArray())).then(() => 'completed', (e: Error) => e),
    );
    const streamOutcome = lastValueFrom(qm.stream$(p.producer.id).pipe(toArray())).then(() => 'completed', (e: Error) => e);
    await sendRtp(p.port, 5555, 0, 40);
    process.kill(w.pid, 'SIGKILL');
    for (const o of [...(await Promise.all(outcomes)), await streamOutcome]) {
      expect(o).toBeInstanceOf(MonitorError);
      expect((o as Error).message).toMatch(/worker of router .* died \(pid \d+\)/);
    }
    await qm.close();

    const w2 = await startWorker();
    const rt2 = await createRouter(w2);
    const qm2 = await attachQualityMonitor(rt2, { ...quiet, worker: w2, model: modelDir });
    const p2 = await plainOpusProducer(rt2, 6666);
    const first = firstValueFrom(qm2.stream$(p2.producer.id));
    await sendRtp(p2.port, 6666, 0, 100);
    expect((await first).streamId).toBe(p2.producer.id);
    const completes = lastValueFrom(qm2.scores$.pipe(toArray()));
    w2.close(); // a deliberate close (the monitor knows the worker): observables complete, no error
    await completes;
    expect(qm2.closed).toBe(true);
  });
});
