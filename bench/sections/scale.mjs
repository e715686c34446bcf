/**
 * Section 3, server scale: streams 1..N of real libopus RTP (one replay process, rtp-replay.mjs) -> mediasoup
 * PlainTransport producers -> attachQualityMonitor (packages/server/bench/streams.ts, one fresh process per
 * point so memory per stream is not hidden by earlier points), per shipped model, with the teacher pool's
 * batching as configured (batchSize 16 by default; 1 = off).
 *
 * The plugin process and its mediasoup worker are pinned to one core (taskset), the sender to the others: a
 * point is "real time" when that one core keeps up (no window skipped for backlog, p99 latency under one hop,
 * at least 90 % of the expected windows scored). Streams per core is the largest real-time N of the curve,
 * and, from CPU accounting, 1 / (CPU seconds per second of audio) at that point. The summary puts it beside
 * the model-only bound (1 / RTF, from the stages section of the same run): efficiency = streams / bound.
 * An all-cores curve (scaleAllCoresModels) runs unpinned with inference on a worker thread and one mediasoup
 * worker per core whose monitors share one scoring: streams per core = real-time N / cores.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as mediasoup from 'mediasoup';
import { bundleForNode } from '../lib/bundle-ts.mjs';
import { ROOT, exists, hopSeconds, readCard } from '../lib/common.mjs';

const execFileP = promisify(execFile);
const POINT = path.join(ROOT, 'packages', 'server', 'bench', 'streams.ts');
const REPLAY = path.join(ROOT, 'packages', 'server', 'bench', 'rtp-replay.mjs');

function which(tool) {
  return (process.env.PATH ?? '').split(':').some((d) => d && exists(path.join(d, tool)));
}

/** Why the section cannot run here, or null. */
export function scaleMissing() {
  if (!exists(mediasoup.workerBin)) return 'no mediasoup-worker (run ../shared/tools/mediasoup-offline/ensure-worker.sh .)';
  if (!which('ffmpeg')) return 'ffmpeg is not installed';
  return null;
}

/** The core the plugin is pinned to and the cores left to the senders (none to pin on a 1-core machine). */
function placement() {
  const cores = os.cpus().length;
  if (cores < 2 || !which('taskset')) return { pluginCore: null, ffmpegCpus: null };
  return { pluginCore: cores - 1, ffmpegCpus: cores === 2 ? '0' : `0-${cores - 2}` };
}

async function point(model, streams, batch, seconds, where) {
  // compiled, on plain node (bench/lib/bundle-ts.mjs): the plugin process as a user's server runs it
  const args = ['--expose-gc', await bundleForNode(POINT, 'streams-point'), '--replay', REPLAY, '--model', model, '--streams', String(streams), '--batch', String(batch), '--seconds', String(seconds), ...(where.extraArgs ?? [])];
  if (where.ffmpegCpus) args.push('--ffmpeg-cpus', where.ffmpegCpus);
  const [cmd, cmdArgs] = where.pluginCore === null ? [process.execPath, args] : ['taskset', ['-c', String(where.pluginCore), process.execPath, ...args]];
  try {
    const { stdout } = await execFileP(cmd, cmdArgs, { cwd: ROOT, timeout: (2 * seconds + 120) * 1000, maxBuffer: 1 << 22 });
    return JSON.parse(stdout.trim().split('\n').pop());
  } catch (err) {
    const why = err.killed ? `timed out after ${2 * seconds + 120} s (the plugin fell far behind)` : (err.stderr || err.message).trim().split('\n').slice(-3).join(' | ');
    return { streams, batchSize: batch, error: why };
  }
}

export async function benchScale({ scaleStreams, scaleSeconds, scaleBatches, scaleModels, scaleAllCoresModels = [] }, stages) {
  const missing = scaleMissing();
  if (missing) return { skipped: missing };
  const where = placement();
  const hopMs = hopSeconds(readCard(scaleModels[0])) * 1000;
  const curves = [];
  for (const model of scaleModels) for (const batch of scaleBatches) curves.push(await curve(model, batch, where, { scaleStreams, scaleSeconds, hopMs }));
  // Every core of the machine: nothing pinned (the sender shares the cores), inference on the plugin's worker
  // thread, one mediasoup worker (and router) per core, their monitors sharing one scoring (issue 17, item 4)
  const cores = os.cpus().length;
  const everywhere = { pluginCore: null, ffmpegCpus: null, cores, extraArgs: ['--inference-thread', '--routers', String(cores)] };
  for (const model of scaleAllCoresModels) curves.push(await curve(model, 16, everywhere, { scaleStreams, scaleSeconds, hopMs }));
  return { model: scaleModels.join(', '), seconds: scaleSeconds, pinning: where, hopMs, curves, summary: summary(curves, stages) };
}

/** One curve: points of growing N until two in a row are not real time. */
async function curve(model, batch, where, { scaleStreams, scaleSeconds, hopMs }) {
  const cores = where.cores ?? 1;
  const placed = cores > 1 ? `all ${cores} cores: inference thread, ${cores} mediasoup workers sharing one scoring` : 'one core';
  const points = [];
  let behind = 0;
  for (const n of scaleStreams) {
    // two points in a row past real time: larger N only costs bench time
    if (behind >= 2) {
      points.push({ streams: n, batchSize: batch, notRun: 'two smaller points were already not real time' });
      process.stderr.write(`  scale: ${model}, batch ${batch}, ${placed}, ${n} streams: not run (past the limit)\n`);
      continue;
    }
    const loadavg1 = os.loadavg()[0];
    const p = { ...(await point(model, n, batch, scaleSeconds, where)), loadavg1 };
    if (!p.error) {
      const accounted = p.windowsScored + (p.notScored['no-speech'] ?? 0);
      p.realTime = p.skipped === 0 && p.p99Ms !== null && p.p99Ms < hopMs && accounted >= 0.9 * p.windowsExpected;
      // the plugin cannot score audio that never reached it: say so rather than blame it
      if (p.audioDeliveredPct < 90) p.note = `only ${p.audioDeliveredPct.toFixed(0)} % of the audio reached the plugin (senders starved of CPU?)`;
      p.streamsPerCoreByCpu = 1 / (p.pluginCpuPerAudioSecond + p.workerCpuPerAudioSecond);
    }
    behind = p.realTime ? 0 : behind + 1;
    points.push(p);
    process.stderr.write(`  scale: ${model}, batch ${batch}, ${placed}, ${n} streams: ${p.error ? `error ${p.error}` : `p50 ${p.p50Ms} ms, p99 ${p.p99Ms} ms, skipped ${p.skipped}, ${p.realTime ? 'real time' : 'NOT real time'}`}\n`);
  }
  const ok = points.filter((p) => p.realTime);
  // memory per added stream: slope of total resident memory (plugin + worker) over the real-time points,
  // steadier than one point's growth / N, which carries one-time costs and GC timing. Points past the
  // limit hold a backlog of queued audio that grows with time, not a cost per stream (all points if
  // fewer than two kept up).
  const withRss = points.filter((p) => p.pluginRssMB !== undefined);
  const measured = withRss.filter((p) => p.realTime).length >= 2 ? withRss.filter((p) => p.realTime) : withRss;
  let marginalRssPerStreamMB = null;
  if (measured.length >= 2) {
    const xs = measured.map((p) => p.streams);
    const ys = measured.map((p) => p.pluginRssMB + p.workerRssMB);
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    marginalRssPerStreamMB = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  }
  const best = ok.length ? ok.reduce((a, b) => (b.streams > a.streams ? b : a)) : null;
  return {
    model,
    batching: batch > 1 ? `on (batchSize ${batch}, maxWaitMs 50)` : 'off (batchSize 1)',
    batchSize: batch,
    cores,
    placement: placed,
    points,
    maxRealTimeStreams: best?.streams ?? 0,
    streamsPerCore: (best?.streams ?? 0) / cores,
    // CPU accounting counts every core used, so it is per core already
    streamsPerCoreByCpu: best?.streamsPerCoreByCpu ?? null,
    marginalRssPerStreamMB,
    // a curve whose largest point is still real time has not found the limit yet
    limitReached: points.some((p) => p.realTime === false || p.error || p.notRun),
  };
}

/**
 * results.json's headline: per model, streams per core in real time (the one-core curves) beside the
 * model-only bound of the same run, and the all-cores curve's streams per core where one ran.
 */
function summary(curves, stages) {
  const models = [...new Set(curves.map((c) => c.model))];
  return models.map((model) => {
    const oneCore = curves.filter((c) => c.model === model && c.cores === 1);
    const best = oneCore.reduce((a, c) => (c.maxRealTimeStreams > (a?.maxRealTimeStreams ?? -1) ? c : a), null);
    const all = curves.find((c) => c.model === model && c.cores > 1);
    const stage = stages?.rows?.find((r) => !r.error && r.model.split('@')[0] === model);
    const modelBoundPerCore = stage ? stage.modelBoundStreamsPerCore : null;
    const streamsPerCore = best?.maxRealTimeStreams ?? 0;
    return {
      model,
      streamsPerCore,
      limitReached: best?.limitReached ?? false,
      modelBoundPerCore,
      efficiency: modelBoundPerCore ? streamsPerCore / modelBoundPerCore : null,
      batching: best?.batching ?? null,
      ...(all ? { allCores: { cores: all.cores, streams: all.maxRealTimeStreams, streamsPerCore: all.streamsPerCore, limitReached: all.limitReached } } : {}),
    };
  });
}
