#!/usr/bin/env node
// Server capacity for the issue note: how many streams one CPU core scores in real time with each shipped
// model, latency from a window's last audio to its score event, and memory per stream.
//   node --expose-gc packages/server/bench/streams.mjs [--streams 16] [--seconds 20] [--models tiny,small]
// Needs `npm run build` and ffmpeg. Real libopus RTP packets (ffmpeg), the real decoder, core DSP and the
// real model, one onnxruntime thread, no mediasoup (its worker forwards RTP in its own process).
// 1) throughput: N streams fed as fast as they go; CPU seconds per second of audio -> streams per core.
// 2) latency: N streams fed in real time (20 ms packets), --realtime N1,N2 or about 70 % of that capacity;
//    p50/p99 latencyMs, windows skipped because inference fell behind, RSS per stream.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '@callmos/node';
import { AudioStream, OpusStreamDecoder, TeacherPool, buildRtp } from '@callmos/server';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const STREAMS = Number(arg('streams', 16));
const SECONDS = Number(arg('seconds', 20));
const root = fileURLToPath(new URL('../../../', import.meta.url));
const models = arg('models', ['tiny', 'small'].filter((m) => existsSync(join(root, 'models', m, 'model.onnx'))).join(',')).split(',');

/** 48 kHz speech from the corpus (or the TTS fixture), encoded by ffmpeg to Opus packets. */
function packets() {
  const dir = mkdtempSync(join(tmpdir(), 'callmos-bench-'));
  const corpus = join(root, '../shared/corpora/speech/librispeech-subset/train-clean-100/librispeech_train-clean-100');
  const files = existsSync(corpus) ? readdirSync(corpus).filter((f) => f.endsWith('.flac')).sort().slice(0, 12).map((f) => join(corpus, f)) : [join(root, 'models/fixtures/clean-tts.wav')];
  const inputs = files.flatMap((f) => ['-i', f]);
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', ...inputs, '-filter_complex', `concat=n=${files.length}:v=0:a=1,aloop=loop=-1:size=2e9`, '-t', String(SECONDS),
    '-ac', '1', '-ar', '48000', '-c:a', 'libopus', '-b:a', '32k', '-application', 'voip', '-frame_duration', '20', join(dir, 's.ogg')]);
  const bytes = readFileSync(join(dir, 's.ogg'));
  const out = [];
  let cur = [];
  for (let at = 0; at + 27 <= bytes.length; ) {
    const n = bytes[at + 26];
    let body = at + 27 + n;
    for (const lace of bytes.subarray(at + 27, at + 27 + n)) {
      cur.push(...bytes.subarray(body, body + lace));
      body += lace;
      if (lace < 255) (out.push(Uint8Array.from(cur)), (cur = []));
    }
    at = body;
  }
  return out.slice(2).map((payload, i) => ({ i, payload }));
}

const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

async function makeStreams(pool, n, latencies) {
  return Promise.all(Array.from({ length: n }, async (_, s) => new AudioStream({
    streamId: `s${s}`, pool, decoder: await OpusStreamDecoder.create(), payloadType: 100,
    onEvent: (e) => e.scored && latencies.push(e.latencyMs),
  })));
}

const rtp = (p, s) => buildRtp({ payloadType: 100, sequenceNumber: p.i & 0xffff, timestamp: p.i * 960, ssrc: s + 1, payload: p.payload });

async function throughput(model, pkts) {
  const pool = new TeacherPool(model, { batchSize: 16, maxWaitMs: 20, maxPendingPerStream: 1 << 20 });
  const streams = await makeStreams(pool, STREAMS, []);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const p of pkts) {
    streams.forEach((st, s) => st.pushRtp(rtp(p, s)));
    if (p.i % 50 === 49) await new Promise((r) => setImmediate(r)); // let batches run while feeding
  }
  await Promise.all(streams.map((st) => st.end()));
  const cpu = process.cpuUsage(cpu0);
  const wall = (performance.now() - t0) / 1000;
  pool.close();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { cpuSeconds, wall, streamsPerCore: (STREAMS * SECONDS) / cpuSeconds, batches: pool.stats.batches };
}

async function realtime(model, pkts, n) {
  const pool = new TeacherPool(model, { batchSize: 16, maxWaitMs: 50 });
  const latencies = [];
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const streams = await makeStreams(pool, n, latencies);
  const t0 = performance.now();
  for (const p of pkts) {
    const due = t0 + p.i * 20;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    streams.forEach((st, s) => st.pushRtp(rtp(p, s)));
  }
  global.gc?.();
  // streams still referenced and full of state (decoder heap, resampler, STFT ring, windows in flight)
  const rssPerStreamMB = (process.memoryUsage().rss - rss0) / n / 1e6;
  await Promise.all(streams.map((st) => st.end()));
  pool.close();
  return { streams: n, rssPerStreamMB, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), windows: latencies.length, skipped: pool.stats.skipped };
}

const pkts = packets();
for (const name of models) {
  const model = await loadModel(name, { provider: 'cpu', intraOpThreads: 1, maxBatch: 16 });
  // --memory: real time only, in this fresh process, so the RSS per stream is not hidden by earlier runs' heaps
  const t = process.argv.includes('--memory') ? { streamsPerCore: NaN } : await throughput(model, pkts);
  // real time at the given stream counts (--realtime 10,20,40), else at about 70 % of the throughput
  const counts = arg('realtime', String(Math.max(1, Math.floor(0.7 * t.streamsPerCore)))).split(',').map(Number);
  const rt = [];
  for (const n of counts) rt.push(await realtime(model, pkts, n));
  console.log(JSON.stringify({ model: model.id, streamsFed: STREAMS, audioSeconds: SECONDS, ...t, realtime: rt }));
  await model.release();
}
