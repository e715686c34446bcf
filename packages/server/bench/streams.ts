/**
 * One point of the server-scale curve: N live streams of real libopus RTP in real time to PlainTransport
 * producers of a real mediasoup router, scored by attachQualityMonitor (the plugin: DirectTransport consumer
 * -> jitter buffer -> Opus decoder -> core windows -> teacher pool). The senders are one process replaying
 * packets ffmpeg encoded once (rtp-replay.mjs, `--sender replay`, the default: hundreds of streams on 2 cores)
 * or one real-time ffmpeg per stream (`--sender ffmpeg`, the original load: ~a dozen streams here).
 *
 *   npx vite-node packages/server/bench/streams.ts -- --streams 8 --seconds 24 --batch 16 [--model small] [--ffmpeg-cpus 0] [--sender replay] [--inference-thread] [--routers 2]
 *
 * Prints one JSON line: CPU seconds of this process (the plugin) and of the mediasoup worker per second
 * of audio, p50/p99 latency from a window's last audio reaching the plugin to its score event, windows
 * scored and skipped, batch sizes, and resident memory per stream (this process + the worker, growth
 * from before the first producer to the end of the steady phase, divided by N).
 *
 * Streams start staggered over one hop (1 s), as independent callers would, so their windows do not all
 * fall due at once. The senders can be moved off the measured core (--ffmpeg-cpus), so that pinning
 * this process with `taskset -c K` measures what one core does. bench/sections/scale.mjs runs the curve.
 * TypeScript, sharing the e2e tests' mediasoup and media helpers: vite-node runs it by hand; `npm run bench` runs it
 * bundled on plain node (bench/lib/bundle-ts.mjs), as a user's server runs the plugin.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScoreEvent } from '@callmos/core';
import { attachQualityMonitor, createMonitorScoring, type AudioStreamStats, type QualityMonitor } from '@callmos/server';
import { opusPackets, speech16k, speechSource, writeWav } from '../test/helpers/media.js';
import { createRouter, ffmpegRtp, plainOpusProducer, startWorker, workerMissing } from '../test/helpers/mediasoup.js';
import { procUsage, threadCpuSeconds, threadSplit } from './proc-usage.js';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
};
const STREAMS = Number(arg('streams', '4'));
const SECONDS = Number(arg('seconds', '24'));
const BATCH = Number(arg('batch', '16'));
const MAX_WAIT_MS = Number(arg('max-wait-ms', '50'));
const MODEL = arg('model', 'small');
const FFMPEG_CPUS = arg('ffmpeg-cpus', '');
const SENDER = arg('sender', 'replay');
const SPEECH = arg('speech', 'silero') as 'silero' | 'energy';
// the model and the speech detector on a worker thread of the plugin (process CPU counts every thread)
const INFERENCE_THREAD = argv.includes('--inference-thread');
// mediasoup workers (one router each) whose monitors share one scoring (createMonitorScoring); 1: a plain attach
const ROUTERS = Number(arg('routers', '1'));
if (!(Number.isInteger(ROUTERS) && ROUTERS >= 1)) throw new Error(`--routers is an integer >= 1, got ${ROUTERS}`);
if (SENDER !== 'replay' && SENDER !== 'ffmpeg') throw new Error(`--sender is replay or ffmpeg, got ${SENDER}`);
// the replay script; bench/sections/scale.mjs names it (this file runs bundled elsewhere, see bench/lib/bundle-ts.mjs)
const REPLAY = arg('replay', new URL('./rtp-replay.mjs', import.meta.url).pathname);

/** Every stream's packets from one process (rtp-replay.mjs); resolves with its report when it is done. */
function replaySenders(packetsFile: string, targets: { port: number; ssrc: number }[]): { pid: number; done: Promise<Record<string, number>> } {
  const child = spawn(process.execPath, [REPLAY, packetsFile, String(SECONDS), '1000', ...targets.map((t) => `${t.port}:${t.ssrc}`)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<Record<string, number>>((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`rtp-replay exited with ${code}`)))),
  );
  return { pid: child.pid!, done };
}

const quantile = (xs: number[], q: number): number | null =>
  xs.length === 0 ? null : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function selfUsage(): { cpuSeconds: number; rss: number } {
  const c = process.cpuUsage();
  return { cpuSeconds: (c.user + c.system) / 1e6, rss: process.memoryUsage().rss };
}

async function main(): Promise<void> {
  if (workerMissing) throw new Error(workerMissing);
  const dir = mkdtempSync(join(tmpdir(), 'callmos-scale-'));
  const wav = join(dir, 'speech.wav');
  writeWav(wav, await speech16k(SECONDS), 16000);

  const scoringOptions = {
    model: MODEL,
    provider: 'cpu' as const,
    intraOpThreads: 1,
    batchSize: BATCH,
    maxWaitMs: MAX_WAIT_MS,
    speechDetector: SPEECH,
    inferenceThread: INFERENCE_THREAD,
  };
  const scoring = ROUTERS > 1 ? await createMonitorScoring(scoringOptions) : undefined;
  const workers: Awaited<ReturnType<typeof startWorker>>[] = [];
  const routers: Awaited<ReturnType<typeof createRouter>>[] = [];
  const monitors: QualityMonitor[] = [];
  for (let r = 0; r < ROUTERS; r++) {
    const w = await startWorker();
    const router = await createRouter(w, { room: `bench-${r}` });
    const common = { networkStatsIntervalMs: 1000, worker: w, log: () => undefined };
    monitors.push(await attachQualityMonitor(router, scoring ? { ...common, scoring } : { ...common, ...scoringOptions }));
    workers.push(w);
    routers.push(router);
  }
  const qm = monitors[0]!;
  const events: ScoreEvent[] = [];
  for (const m of monitors) m.scores$.subscribe((e) => events.push(e));
  const batchSizes: number[] = [];
  let modelMs = 0;
  qm.pool.runs$.subscribe((r) => {
    batchSizes.push(r.size);
    modelMs += r.durationMs;
  });

  // warm the model up so its first-run allocations are in the baseline, not in the per-stream memory
  await qm.pool.model.run([new Float32Array(qm.pool.model.windowSize)]);
  global.gc?.();
  const workersUsage = () => workers.map((w) => procUsage(w.pid)).reduce((x, y) => ({ cpuSeconds: x.cpuSeconds + y.cpuSeconds, rss: x.rss + y.rss }));
  const base = { self: selfUsage(), worker: workersUsage() };

  // Producers first (mediasoup requests to the worker), then the senders, staggered over one hop.
  const producers = [];
  for (let s = 0; s < STREAMS; s++) producers.push(await plainOpusProducer(routers[s % ROUTERS]!, 1000 + s, { stream: s }));
  const senders: Promise<unknown>[] = [];
  const t0 = performance.now();
  let firstStarted = 0;
  let senderReport: Promise<Record<string, number>> | undefined;
  if (SENDER === 'replay') {
    const packetsFile = join(dir, 'speech.opus-packets');
    const packets = opusPackets(wav, join(dir, 'speech.ogg'));
    writeFileSync(packetsFile, Buffer.concat(packets.flatMap((p) => [Buffer.from([p.length >> 8, p.length & 0xff]), Buffer.from(p)])));
    const replay = replaySenders(packetsFile, producers.map((p, s) => ({ port: p.port, ssrc: 1000 + s })));
    firstStarted = performance.now();
    if (FFMPEG_CPUS) execFileSync('taskset', ['-pc', FFMPEG_CPUS, String(replay.pid)], { stdio: 'ignore' });
    senderReport = replay.done;
    senders.push(replay.done);
    await sleep(1000); // the replay staggers the streams' starts over one hop itself
  } else {
    for (const [s, p] of producers.entries()) {
      await sleep(Math.max(0, t0 + (s * 1000) / STREAMS - performance.now()));
      const sender = ffmpegRtp(wav, p.port, p.rtcpPort, 1000 + s);
      if (s === 0) firstStarted = performance.now();
      if (FFMPEG_CPUS) execFileSync('taskset', ['-pc', FFMPEG_CPUS, String(sender.child.pid)], { stdio: 'ignore' });
      senders.push(sender.done);
    }
  }
  const lastStarted = performance.now();
  // Steady phase: every stream has filled its first window (4 s) until the first stream runs out.
  const steadyFrom = lastStarted + 4500;
  const steadyTo = firstStarted + SECONDS * 1000 - 500;
  if (steadyTo - steadyFrom < 1000) throw new Error(`--seconds ${SECONDS} leaves no steady phase (streams took ${((lastStarted - t0) / 1000).toFixed(1)} s to start)`);
  await sleep(steadyFrom - performance.now());
  const a = { self: selfUsage(), worker: workersUsage(), threads: threadCpuSeconds(process.pid), at: performance.now() };
  await sleep(steadyTo - performance.now());
  global.gc?.();
  const b = { self: selfUsage(), worker: workersUsage(), threads: threadCpuSeconds(process.pid), at: performance.now() };
  const memory = process.memoryUsage(); // where the plugin's memory is at the end of the steady phase
  await Promise.all(senders);
  const sender = senderReport ? await senderReport : undefined;
  // Drain: the last windows of every stream are scored (or skipped) before the monitor closes, so a point
  // that fell behind shows its full latency instead of losing its late windows; 2 s without an event ends it.
  const drainUntil = performance.now() + 30_000;
  for (let seen = -1; seen !== events.length && performance.now() < drainUntil; ) {
    seen = events.length;
    await sleep(2000);
  }
  const skipped = qm.pool.stats.skipped;
  const streaming = qm.pool.model.streamingStats;
  // what the plugin saw, summed over the streams: packets, losses, concealment, audio seconds, windows
  const sum = (get: (st: AudioStreamStats) => number) => monitors.flatMap((m) => m.currentParticipants).reduce((acc, p) => acc + get(p.stats), 0);
  const seen = {
    rtpPackets: sum((st) => st.rtpPackets), lost: sum((st) => st.jitter.lost), late: sum((st) => st.jitter.late),
    concealed: sum((st) => st.opus.concealed), timestampJumps: sum((st) => st.timestampJumps),
    audioSeconds: sum((st) => st.duration), windows: sum((st) => st.windows),
  };
  for (const m of monitors) await m.close();
  await scoring?.close();
  for (const w of workers) w.close();

  const steadySeconds = (b.at - a.at) / 1000;
  const audioSeconds = steadySeconds * STREAMS;
  const pluginCpu = b.self.cpuSeconds - a.self.cpuSeconds;
  const workerCpu = b.worker.cpuSeconds - a.worker.cpuSeconds;
  const scored = events.filter((e) => e.scored);
  const latencies = scored.map((e) => e.latencyMs);
  const byReason: Record<string, number> = {};
  for (const e of events) if (!e.scored) byReason[e.reason ?? 'unknown'] = (byReason[e.reason ?? 'unknown'] ?? 0) + 1;
  const meanBatch = batchSizes.reduce((x, y) => x + y, 0) / Math.max(1, batchSizes.length);
  console.log(
    JSON.stringify({
      model: qm.backend.model,
      provider: qm.backend.provider,
      streams: STREAMS,
      seconds: SECONDS,
      batchSize: BATCH,
      maxWaitMs: MAX_WAIT_MS,
      speech: speechSource,
      sender: SENDER,
      speechDetector: SPEECH,
      inferenceThread: INFERENCE_THREAD,
      routers: ROUTERS,
      ...(sender ? { senderCpuSeconds: sender.cpuSeconds, senderWorstLateMs: sender.worstLateMs } : {}),
      steadySeconds,
      pluginCpuPerAudioSecond: pluginCpu / audioSeconds,
      workerCpuPerAudioSecond: workerCpu / audioSeconds,
      pluginCores: pluginCpu / steadySeconds,
      // the plugin's cores by thread: main (RTP, decoding, framing), the busiest other (the inference thread
      // when on), the rest (V8's GC helpers, libuv)
      pluginThreadCores: Object.fromEntries(Object.entries(threadSplit(process.pid, a.threads, b.threads)).map(([k, v]) => [k, v / steadySeconds])),
      workerCores: workerCpu / steadySeconds,
      p50Ms: quantile(latencies, 0.5),
      p99Ms: quantile(latencies, 0.99),
      maxMs: quantile(latencies, 1),
      windowsScored: scored.length,
      windowsExpected: STREAMS * (Math.floor(SECONDS - 4) + 1), // 4 s windows, 1 s hop
      skipped,
      notScored: byReason,
      seen,
      // below 100 %: the senders (or the UDP path to the worker) did not deliver all the audio
      audioDeliveredPct: (100 * seen.audioSeconds) / (STREAMS * SECONDS),
      batches: batchSizes.length,
      meanBatch,
      // the student's runs, wall ms per scored window (all points run it on the plugin's one core), and how
      // many windows were assembled from a hop run vs run whole (first windows, after gaps)
      modelMsPerWindow: modelMs / Math.max(1, batchSizes.reduce((x, y) => x + y, 0)),
      ...(streaming ? { hopRuns: streaming.hopRuns, fullRuns: streaming.fullRuns } : {}),
      rssPerStreamMB: (b.self.rss - base.self.rss + b.worker.rss - base.worker.rss) / STREAMS / 1e6,
      pluginRssMB: b.self.rss / 1e6,
      workerRssMB: b.worker.rss / 1e6,
      // of the plugin's RSS: the JS heap (used), memory outside it (typed arrays' buffers, wasm memories)
      pluginHeapUsedMB: memory.heapUsed / 1e6,
      pluginExternalMB: memory.external / 1e6,
      pluginArrayBuffersMB: memory.arrayBuffers / 1e6,
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
