#!/usr/bin/env node
/**
 * Soak and churn: N real Opus RTP streams through real mediasoup PlainTransport producers into
 * attachQualityMonitor, for an hour (by default), while producers join and leave every few seconds,
 * streams go through bursts of 30 % loss and spells of reordering, the mediasoup worker is killed and
 * replaced mid-run (a new router and monitor; the WebSocket server and its dashboards stay), and
 * WebSocket dashboards connect and disconnect. It samples resident memory and heap, and checks that no
 * telemetry was lost for the streams that ended normally and that every alert raised was cleared.
 *
 *   npm run soak                                   # 60 min, N = what this machine holds in real time
 *   npm run soak -- --minutes 3 --streams 4        # a short trial
 *   node --expose-gc bench/soak.mjs --help
 *
 * Writes bench/soak-results.json and bench/SOAK.md (--out elsewhere). Needs ffmpeg and a mediasoup
 * worker (MEDIASOUP_WORKER_BIN as for the tests). Not part of npm test or CI.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as mediasoup from 'mediasoup';
import { attachQualityMonitor, serveTelemetry } from '@callmos/server';
import { OPUS, plainOpusProducer } from '../examples/lib/plain-producer.mjs';
import { ROOT } from './lib/common.mjs';
import { DashboardChurn, PersistentDashboard } from './soak/dashboards.mjs';
import { LatencyHistogram } from './soak/latency-histogram.mjs';
import { Ledger } from './soak/ledger.mjs';
import { MemorySampler } from './soak/memory-sampler.mjs';
import { opusClips } from './soak/opus-clips.mjs';
import { RtpSender } from './soak/rtp-sender.mjs';
import { soakMarkdown } from './soak/report.mjs';
import { MonitorRelay } from './soak/telemetry-relay.mjs';

const MALLOC_ENV = ['MALLOC_ARENA_MAX', 'MALLOC_TRIM_THRESHOLD_', 'MALLOC_MMAP_THRESHOLD_'].filter((k) => process.env[k] !== undefined);
const { values: flags } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    streams: { type: 'string', default: 'auto' },
    model: { type: 'string', default: 'small' },
    provider: { type: 'string', default: 'auto' },
    'churn-seconds': { type: 'string', default: '5' },
    'kill-at': { type: 'string', default: '0.5' },
    loss: { type: 'string', default: '0.3' },
    'alert-below': { type: 'string', default: '3.0' },
    dashboards: { type: 'string', default: '3' },
    'warmup-minutes': { type: 'string' },
    'sample-seconds': { type: 'string', default: '5' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: join(ROOT, 'bench') },
    'heap-snapshots': { type: 'string' },
    'inference-thread': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log(`node --expose-gc bench/soak.mjs [options]
  --minutes M          run length (default 60)
  --streams N|auto     concurrent streams (default auto: measured CPU per stream, 70 % of the cores but one)
  --model NAME         shipped model or path (default small)
  --provider P         auto | cpu | cuda (default auto)
  --churn-seconds S    one producer leaves and one joins every S s (default 5)
  --kill-at F          kill the mediasoup worker at this fraction of the run, 0 = never (default 0.5)
  --loss P             loss probability inside a loss burst (default 0.3)
  --alert-below M      alert when the smoothed MOS (2 s time constant) is below M for 2 s, cleared at
                       M + 0.1 for 3 s (the e2e test's deployment rule; default 3.0)
  --dashboards D       WebSocket dashboards coming and going at once (default 3), plus one that stays
  --warmup-minutes W   memory slope measured after this (default: 12, past the telemetry history's filling
                       10 minutes; at most a fifth of the run)
  --sample-seconds S   memory sampling period (default 5)
  --seed N             impairments and churn repeat with the seed (default 1)
  --out DIR            where soak-results.json and SOAK.md go (default bench/)
  --heap-snapshots DIR write V8 heap snapshots there at the end of warm-up and before the final close (each
                       leaves RSS ~100 MB up for good: the slopes then start 2 min after the first)
                       (compare them: node bench/soak/heap-diff.mjs A B)
  --inference-thread   the monitor's model and Silero on a worker thread (default: attachQualityMonitor's
                       'auto', a thread when the process may use more than one core)`);
  process.exit(0);
}

const MINUTES = Number(flags.minutes);
const DURATION_S = MINUTES * 60;
const CHURN_S = Number(flags['churn-seconds']);
const KILL_AT = Number(flags['kill-at']);
const LOSS = Number(flags.loss);
/** the e2e test's deployment: 20-30 % concealed loss is impaired without always being in band poor */
const QUALITY = { timeConstantSec: 2 };
const ALERT = { seconds: 2, clearSeconds: 3, threshold: Number(flags['alert-below']) };
// Default warm-up: past the telemetry server's history (serveTelemetry keeps 10 minutes per room by default,
// which fills, by design, for its first 10 minutes) and 2 minutes more, at most a fifth of the run.
const HISTORY_FILL_S = 600;
const WARMUP_S = flags['warmup-minutes'] !== undefined ? Number(flags['warmup-minutes']) * 60 : Math.min(HISTORY_FILL_S + 120, DURATION_S / 5);
const SAMPLE_S = Number(flags['sample-seconds']);
const TOKEN = 'soak-token-0123456789';
const ROOM = 'soak';
const CALIBRATION_S = 20;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const t0 = performance.now();
const elapsed = () => (performance.now() - t0) / 1000;
const log = (line) => console.log(`[${elapsed().toFixed(1).padStart(7)} s] ${line}`);

/** xorshift32 from the seed: churn and plans repeat run to run */
let seed = Number(flags.seed) >>> 0 || 1;
const random = () => {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed / 0x100000000;
};
const between = (a, b) => a + random() * (b - a);

/** Loss bursts and reorder spells over a stream's life (ms of stream time). */
function streamPlan(lifeS, impaired) {
  const loss = [];
  const reorder = [];
  for (let t = between(5, 20); impaired && t < lifeS; t += between(25, 60)) {
    const len = between(8, 15);
    loss.push([t * 1000, (t + len) * 1000]);
    t += len;
  }
  for (let t = between(2, 10); t < lifeS; t += between(15, 40)) {
    const len = between(3, 8);
    reorder.push([t * 1000, (t + len) * 1000]);
    t += len;
  }
  return { loss, lossRate: LOSS, reorder, reorderRate: 0.1 };
}

async function main() {
  if (!mediasoup.workerBin) throw new Error('no mediasoup worker');
  const { clips, source } = await opusClips(join(os.tmpdir(), 'callmos-soak-clips'), 4, 30);
  log(`${clips.length} Opus clips of 30 s pre-encoded (speech: ${source})`);
  const sender = new RtpSender(clips);
  const relay = new MonitorRelay(ROOM);
  const telemetry = await serveTelemetry(relay, { port: 0, token: TOKEN });
  const wsUrl = `ws://127.0.0.1:${telemetry.port}/callmos?token=${TOKEN}`;

  /** the current worker, router and monitor (a new generation after the kill) */
  let gen;
  let ledger;
  // scored latencies as a 1 ms histogram (an array of every one would grow the heap the soak measures)
  const latencies = new LatencyHistogram();
  const recoveries = [];
  const counters = { skippedBacklog: 0, scoreErrors: 0, monitorErrors: [] };
  const live = new Map(); // producerId -> { plain, kind, generation, leaveAt }
  let ssrc = 1000;
  let labels = 0;

  async function startGeneration(n) {
    const worker = await mediasoup.createWorker({ logLevel: 'error', rtcMinPort: 40000, rtcMaxPort: 49999 });
    const router = await worker.createRouter({ mediaCodecs: [OPUS], appData: { room: ROOM } });
    const qm = await attachQualityMonitor(router, {
      model: flags.model,
      provider: flags.provider,
      // absent: attachQualityMonitor's default ('auto': a thread when the process may use more than one core)
      ...(flags['inference-thread'] ? { inferenceThread: true } : {}),
      worker,
      quality: QUALITY,
      alert: ALERT,
      log: (l) => log(l),
    });
    ledger ??= new Ledger({ windowSeconds: qm.pool.model.card.input.windowFrames / 100, hopSeconds: qm.pool.model.card.input.hopFrames / 100 });
    const g = { n, worker, router, qm, firstScoreAt: null };
    qm.scores$.subscribe({
      next: (e) => {
        g.firstScoreAt ??= elapsed();
        ledger.onScore(e);
        if (e.scored) latencies.add(e.latencyMs);
        else if (e.reason === 'skipped-backlog') counters.skippedBacklog++;
        else if (e.reason === 'error') counters.scoreErrors++;
      },
      error: (err) => counters.monitorErrors.push(`generation ${n}: ${err.message}`),
    });
    qm.alerts$.subscribe({ next: (a) => ledger.onAlert(a), error: () => undefined });
    qm.participants$.subscribe({ next: (ps) => ps.filter((p) => p.closed).forEach((p) => ledger.onClosed(p)), error: () => undefined });
    relay.follow(qm);
    return g;
  }

  async function joinStream(kind, lifeS) {
    const g = gen;
    const label = `${kind}-${labels++}`;
    const plain = await plainOpusProducer(g.router, ++ssrc, { soak: label });
    const id = plain.producer.id;
    ledger.join(id, { label, kind, generation: g.n, ssrc, joinedAt: elapsed() });
    // RTP before the monitor's consumer is up is not seen: start sending once it is
    for (let i = 0; i < 100 && !g.qm.currentParticipants.some((p) => p.producerId === id && p.consuming); i++) await sleep(20);
    live.set(id, { plain, kind, generation: g.n, leaveAt: elapsed() + lifeS });
    sender.add({
      id,
      port: plain.port,
      ssrc,
      payloadType: 100,
      clip: Math.floor(random() * clips.length),
      offset: Math.floor(random() * 1500),
      seq0: random() < 0.3 ? 0xffff - Math.floor(random() * 200) : Math.floor(random() * 0x10000), // often just before the wrap
      ts0: Math.floor(random() * 0x100000000),
      seed: Math.floor(random() * 0xffffffff),
      plan: streamPlan(lifeS, random() < 0.5),
    });
  }

  async function leaveStream(id, how) {
    const s = live.get(id);
    if (!s) return;
    live.delete(id);
    const sent = await sender.remove(id);
    await sleep(300); // the last packets reach the monitor
    s.plain.producer.close();
    s.plain.transport.close();
    ledger.end(id, how, sent);
  }

  const churnLife = () => between(10, 40);
  async function joinAll(n) {
    const stable = Math.ceil(n / 2);
    for (let i = 0; i < n; i++) {
      await joinStream(i < stable ? 'stable' : 'churn', i < stable ? DURATION_S : churnLife());
      await sleep(1000 / n); // staggered over one hop, as independent callers would be
    }
  }

  async function killWorker() {
    const old = gen;
    log(`killing mediasoup worker pid ${old.worker.pid} (${live.size} streams on it)`);
    const killedAt = elapsed();
    const died = new Promise((r) => old.worker.once('died', r));
    process.kill(old.worker.pid, 'SIGKILL');
    await died;
    const ids = [...live.keys()];
    for (const id of ids) {
      live.delete(id);
      ledger.end(id, 'killed', await sender.remove(id));
    }
    gen = await startGeneration(old.n + 1);
    await joinAll(ids.length);
    const g = gen;
    while (g.firstScoreAt === null && elapsed() < DURATION_S) await sleep(100);
    recoveries.push({ killedAt, streams: ids.length, firstScoreAfterS: g.firstScoreAt === null ? null : g.firstScoreAt - killedAt });
    log(`new worker pid ${g.worker.pid}: first score ${(g.firstScoreAt - killedAt).toFixed(1)} s after the kill`);
  }

  gen = await startGeneration(0);
  const sampler = new MemorySampler(() => gen?.worker.pid, t0);
  sampler.sample();
  const sampling = setInterval(() => sampler.sample(), SAMPLE_S * 1000);
  const dashboard = await PersistentDashboard.open(wsUrl);
  const churnDashboards = new DashboardChurn(wsUrl, Number(flags.dashboards), random, () => [...live.keys()]);

  // N: given, or what this machine holds: two streams for CALIBRATION_S, then CPU per audio second
  let streams;
  let calibration = null;
  if (flags.streams === 'auto') {
    const cpu0 = process.cpuUsage();
    const at0 = elapsed();
    await joinAll(2);
    await sleep(CALIBRATION_S * 1000);
    const cpu = process.cpuUsage(cpu0);
    const cpuPerStreamSecond = (cpu.user + cpu.system) / 1e6 / (2 * (elapsed() - at0));
    const cores = os.availableParallelism();
    streams = Math.max(2, Math.min(400, Math.floor((0.7 * Math.max(1, cores - 1)) / cpuPerStreamSecond)));
    calibration = { cores, cpuPerStreamSecond, seconds: elapsed() - at0 };
    log(`calibration: ${(cpuPerStreamSecond * 1000).toFixed(1)} ms CPU per stream-second on ${cores} cores -> N = ${streams}`);
    await joinAll(streams - 2);
  } else {
    streams = Number(flags.streams);
    await joinAll(streams);
  }
  log(`${streams} streams up; churn every ${CHURN_S} s; ${KILL_AT > 0 ? `worker kill at ${(KILL_AT * MINUTES).toFixed(1)} min` : 'no worker kill'}`);

  let killed = KILL_AT <= 0;
  let lastChurn = elapsed();
  let warmSnapshot = flags['heap-snapshots'] === undefined;
  const heapSnapshot = (name) => {
    mkdirSync(flags['heap-snapshots'], { recursive: true });
    globalThis.gc?.();
    log(`heap snapshot ${v8.writeHeapSnapshot(join(flags['heap-snapshots'], `${name}.heapsnapshot`))}`);
  };
  while (elapsed() < DURATION_S) {
    await sleep(250);
    if (!warmSnapshot && elapsed() >= WARMUP_S) {
      warmSnapshot = true;
      heapSnapshot('warm');
    }
    if (!killed && elapsed() >= KILL_AT * DURATION_S) {
      killed = true;
      await killWorker();
      continue;
    }
    if (elapsed() - lastChurn >= CHURN_S) {
      lastChurn = elapsed();
      // a churner past its life leaves (else the one closest to it), and a new one joins
      const churners = [...live.entries()].filter(([, s]) => s.kind === 'churn');
      if (churners.length === 0) continue;
      const due = churners.reduce((a, b) => (b[1].leaveAt < a[1].leaveAt ? b : a));
      await leaveStream(due[0], 'left');
      if (elapsed() < DURATION_S - 5) await joinStream('churn', churnLife());
    }
  }

  sampler.sample(); // the last sample of the steady run: the slopes end here
  const steadyEnd = elapsed();
  if (flags['heap-snapshots'] !== undefined) heapSnapshot('end');
  log('end of run: closing every stream (their last windows are scored)');
  await churnDashboards.stop();
  await Promise.all([...live.keys()].map((id) => leaveStream(id, 'end')));
  const finalsBy = elapsed() + 30;
  const pending = () => [...ledger.streams.values()].filter((s) => (s.ended === 'left' || s.ended === 'end') && !s.final).length;
  while (pending() > 0 && elapsed() < finalsBy) await sleep(200);
  await sleep(1000); // the last events cross the WebSocket
  sampler.sample();
  clearInterval(sampling);
  const check = ledger.check(dashboard.scores);
  const poolStats = { ...gen.qm.pool.stats };
  await dashboard.close();
  await gen.qm.close();
  gen.worker.close();
  await telemetry.close();
  await sender.stop();

  const lastSampleT = sampler.samples[sampler.samples.length - 1].t;
  const killT = recoveries[0]?.killedAt;
  // slopes over the steady run only: the sample after every stream closed (their last windows flushed at once,
  // a larger batch than the run had) is reported on its own
  // a heap snapshot (the warm one is taken at WARMUP_S) leaves resident memory ~100 MB up for good (V8
  // serialises the heap; malloc keeps the pages): with them, the slopes start 2 minutes after it
  const slopeFrom = WARMUP_S + (flags['heap-snapshots'] !== undefined ? 120 : 0);
  const segments = killT === undefined ? [] : [sampler.slopes(slopeFrom, killT), sampler.slopes(killT + 60, steadyEnd + 1)];
  const results = {
    date: new Date().toISOString(),
    // the allocator settings a run was made with are part of what it measured
    command: `${MALLOC_ENV.map((k) => `${k}=${process.env[k]} `).join('')}node --expose-gc bench/soak.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    machine: { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model, memGB: os.totalmem() / 1e9, loadavgAtEnd: os.loadavg(), node: process.version, gcExposed: typeof globalThis.gc === 'function' },
    config: { minutes: MINUTES, streams, model: gen.qm.backend.model, provider: gen.qm.backend.provider, inferenceThread: gen.qm.backend.inferenceThread, churnSeconds: CHURN_S, killAt: KILL_AT, loss: LOSS, quality: QUALITY, alert: ALERT, dashboards: Number(flags.dashboards), warmupSeconds: WARMUP_S, sampleSeconds: SAMPLE_S, seed: Number(flags.seed), speech: source },
    calibration,
    seconds: elapsed(),
    memory: {
      afterWarmup: sampler.slopes(slopeFrom, steadyEnd + 1),
      afterClose: sampler.samples[sampler.samples.length - 1],
      // the kill loads a new model session: slopes on each side of it (after a minute to settle)
      segments,
      samples: sampler.samples,
    },
    telemetry: {
      ...check,
      scoredLatencyMs: { p50: latencies.quantile(0.5), p99: latencies.quantile(0.99), max: latencies.max, n: latencies.count },
      skippedBacklog: counters.skippedBacklog,
      scoreErrors: counters.scoreErrors,
      monitorErrors: counters.monitorErrors,
      pool: poolStats,
      persistentDashboard: { byType: dashboard.byType, closedWith: dashboard.closedWith },
      dashboardChurn: churnDashboards.stats,
    },
    workerKills: recoveries,
    lastSampleS: lastSampleT,
  };
  mkdirSync(flags.out, { recursive: true });
  writeFileSync(join(flags.out, 'soak-results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(flags.out, 'SOAK.md'), soakMarkdown(results));
  log(`wrote ${join(flags.out, 'soak-results.json')} and SOAK.md`);
  log(`rss slope after warm-up ${fmt(results.memory.afterWarmup.rssMBPerHour)} MB/h, heap ${fmt(results.memory.afterWarmup.heapMBPerHour)} MB/h; ${check.problems.length} problem(s)`);
  for (const p of check.problems.slice(0, 20)) log(`  problem: ${p}`);
  return check.problems.length === 0 ? 0 : 1;
}

const fmt = (x) => (x === null || x === undefined ? 'n/a' : x.toFixed(1));

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(2);
  },
);
