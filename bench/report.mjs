/**
 * RESULTS.md from a results object: one table per section, each number with what it is compared to and
 * how to read it, the headline ratios first, machine and load recorded.
 */
const f = (v, d = 1) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : 'n/a');
const skippedOr = (s) => (s?.skipped ? `skipped: ${s.skipped}` : s?.error ? `error: ${String(s.error).split('\n')[0]}` : null);
const cell = (v) => String(v).replace(/\|/g, '/').replace(/\n/g, ' ');
const table = (head, rows) => [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');

function headline(r) {
  const out = [];
  const d = r.dsp;
  if (d?.ratio) out.push(`- DSP: the TS core streams resample + STFT at **${f(d.core.xRealTime, 0)}x real time**, ${f(d.ratio, 2)}x the numpy/scipy reference's speed (${f(d.numpy.xRealTime, 0)}x, whole clip).`);
  const m = r.models;
  const node = (name) => m?.rows.find((x) => x.model === name && x.runtime.startsWith('onnxruntime-node') && x.rtf);
  const v7 = m?.references.find((x) => x.config && x.rtf);
  const dn = m?.references.find((x) => x.model === 'DNSMOS P.835' && x.rtf);
  for (const name of (m?.rows ?? []).map((x) => x.model).filter((x, i, a) => a.indexOf(x) === i)) {
    const ours = node(name);
    if (!ours) continue;
    const parts = [`- ${name}: RTF **${f(ours.rtf, 4)}** (onnxruntime-node, 1 thread)`];
    if (v7) parts.push(`**${f(v7.rtf / ours.rtf, 1)}x cheaper** than the Distill-MOS v7 size in PyTorch (RTF ${f(v7.rtf, 3)})`);
    if (dn) parts.push(`**${f(dn.rtf / ours.rtf, 1)}x cheaper** than DNSMOS P.835 (RTF ${f(dn.rtf, 3)})`);
    out.push(parts.join('; ') + '.');
  }
  for (const x of (m?.streaming ?? []).filter((x) => x.ratio !== undefined && x.batch === 1)) {
    out.push(`- ${x.model}, streamed (${x.runtime.split(' (')[0]}, batch 1): **${f(x.ratio, 2)}x** the window model's cost per hop (${f(x.perHopMs, 2)} vs ${f(x.windowMs, 2)} ms).`);
  }
  for (const c of (r.scale?.curves ?? []).filter((c) => (c.cores ?? 1) > 1)) {
    out.push(`- Server, ${c.model}, ${c.placement}: **${c.maxRealTimeStreams} streams in real time on ${c.cores} cores, ${f(c.streamsPerCore, 1)} per core**` +
      `${c.limitReached ? '' : ' (the largest point measured: the limit is higher)'}; CPU accounting at that point gives ${f(c.streamsPerCoreByCpu, 1)} stream-seconds per CPU-second.`);
  }
  for (const c of (r.scale?.curves ?? []).filter((c) => (c.cores ?? 1) === 1)) {
    const sum = r.scale.summary?.find((x) => x.model === c.model);
    out.push(`- Server, ${c.model ?? r.scale.model}, batching ${c.batching}: **${c.maxRealTimeStreams} streams in real time on one core**` +
      `${c.limitReached ? '' : ' (the largest point measured: the limit is higher)'}` +
      `; CPU accounting at that point gives ${f(c.streamsPerCoreByCpu, 1)} stream-seconds per CPU-second` +
      (sum?.modelBoundPerCore ? `; the model alone would allow ${f(sum.modelBoundPerCore, 0)} (efficiency ${f(sum.efficiency, 2)}).` : '.'));
  }
  return out.join('\n');
}

function dspSection(d) {
  if (!d) return '';
  const skip = skippedOr(d);
  return `## 1. Resample 48 -> 16 kHz + compressed STFT
x real time = seconds of audio processed per second of wall time, one thread (higher is better). The TS core
is fed a ${d.core?.audioSeconds ?? '?'} s clip in 10 ms chunks, as a live stream feeds it; the reference is the
factory's definition of the same transform (scipy \`resample_poly\` + numpy float64 STFT, \`features.py\`) on the
whole clip at once, which is the easier case for it (no chunking). Median of the runs; ratio = core / numpy.

${skip ?? table(['implementation', 'x real time'], [
    ['@callmos/core, streaming, 10 ms chunks (Node)', f(d.core.xRealTime)],
    ['numpy + scipy reference, whole clip (Python)', d.numpy.error ?? f(d.numpy.xRealTime)],
    ['**ratio core / numpy**', f(d.ratio, 2)],
  ])}

![DSP](bench-dsp.png)
`;
}

function modelsSection(m) {
  if (!m) return '';
  const skip = skippedOr(m);
  if (skip) return `## 2. Model inference cost\n${skip}\n`;
  const rows = [...m.rows, ...m.references].map((x) =>
    x.error || x.skipped
      ? [x.model, x.runtime ?? '', '', '', '', '', '', x.error ? `error: ${x.error}` : `skipped: ${x.skipped}`]
      : [x.model, x.runtime, x.params ?? '-', f(x.windowSeconds, 2), f(x.hopSeconds, 2), f(x.firstWindowMs, 1), f(x.perWindowMs, 2), f(x.rtf, 4)]);
  const v7 = m.references.find((x) => x.config);
  return `## 2. Model inference cost (real-time factor), one thread
RTF = CPU time to score one window / the hop between windows = CPU seconds per second of streamed audio
on one thread (lower is better; 0.01 = 1 % of a core, 1 = a whole core). Median over the runs of one
window (batch 1) after a warm-up; the first (cold) window's time is shown apart. The first rows are the shipped models (blue in the plot) in the two
runtimes callmos uses: onnxruntime-node (server, CLI) and onnxruntime-web's wasm backend (the browser
client's runtime; here run in Node, single-threaded, SIMD, without a worker; warmed up for more windows than
native, since V8 runs wasm on its baseline tier first and the first windows are several times slower). The references (orange):
- **Distill-MOS v7 size**: DESIGN.md's conv-transformer built from our \`Student\` code
  (\`models/training/callmos_factory/bench_reference.py\`) at the released student's size: config
  \`${v7 ? JSON.stringify(v7.config) : 'n/a'}\`, **${v7?.params ?? 'n/a'} parameters** (published: 4.3 M), random weights,
  ${v7?.windowFrames ?? 768} frames (7.68 s) per window, 1 s hop, PyTorch eager on CPU with 1 thread.
- **DNSMOS P.835** (\`../shared/teachers/dnsmos/sig_bak_ovr.onnx\`, through \`@callmos/server\`'s adapter):
  9.01 s raw-waveform windows, 1 s hop as the published scorer slides them, onnxruntime-node, 1 thread.

${table(['model', 'runtime', 'params', 'window s', 'hop s', 'first window ms (cold)', 'ms per window', 'RTF'], rows)}

![models](bench-models.png)
${streamingTable(m.streaming)}`;
}

/** models.streaming: one hop of streamed inference beside one window of the window model, same run. */
function streamingTable(rows) {
  if (!rows?.length) return '';
  return `
### Streamed inference: the front end once per hop
\`bench/sections/streaming.mjs\`: a window of a stream that follows its previous window costs one front-end run over
the newest hop (+ context), the left-edge run and the back end (the card's \`streaming\` pair); the window model
runs the whole 4 s window. Same synthetic windows, same process, one thread, median per window after a warm-up;
batch 1 is a browser's one track, batch 16 the server's batches of 16 streams at one hop. Ratio = per hop /
per window (lower is better; the scores are the window model's, held to 1e-4 by the tests).

${table(['model', 'runtime', 'batch', 'window model ms / window', 'streamed ms / hop', 'ratio'],
    rows.map((x) => (x.error || x.skipped ? [x.model, x.runtime, '', '', '', x.error ? `error: ${x.error}` : `skipped: ${x.skipped}`] : [x.model, x.runtime, x.batch, f(x.windowMs, 2), f(x.perHopMs, 2), `**${f(x.ratio, 2)}**`])))}
`;
}

function floorSection(fl) {
  if (!fl) return '';
  if (fl.flops?.error || fl.sgemm?.error) return `## 2b. Compute floor\n${fl.flops.error ?? fl.sgemm.error}\n`;
  return `## 2b. Compute floor: FLOPs per second of audio against the core's peak
FLOPs of one window are counted in PyTorch (\`FlopCounterMode\`: convolutions, matrix products, attention;
2 per multiply-add; elementwise work, normalisation and the int8 (de)quantisation are not counted) on each
model's architecture from its card. The peak is this machine's measured float32 sgemm on one thread
(${fl.sgemm.what}): **${f(fl.peakGflops, 1)} GFLOP/s**. Achieved = FLOPs per window / measured time per
window (section 2); % of peak = achieved / sgemm. Floor RTF = the RTF a runtime would have at 100 % of the
sgemm peak: the limit for this architecture on this core. The shipped small model is int8 (dynamic
quantisation); its FLOPs are counted as float multiply-adds.

${table(['model', 'runtime', 'GFLOP per window', 'GFLOP per audio s', 'achieved GFLOP/s', '% of peak', 'floor RTF', 'measured RTF'],
    fl.rows.map((x) => [x.model, x.runtime, f(x.gflopsPerWindow, 3), f(x.gflopsPerAudioSecond, 3), f(x.achievedGflops, 2), f(x.pctOfPeak, 1), f(x.floorRtf, 4), f(x.rtf, 4)]))}

![floor](bench-floor.png)
`;
}

function scaleSection(s) {
  if (!s) return '';
  const skip = skippedOr(s);
  if (skip) return `## 3. Server scale\n${skip}\n`;
  const pin = s.pinning.pluginCore === null ? 'not pinned (one core, or no taskset)' : `plugin process and mediasoup worker pinned to core ${s.pinning.pluginCore}, the sender to cores ${s.pinning.ffmpegCpus}`;
  const model = (c) => c.model ?? s.model;
  const where = (c) => ((c.cores ?? 1) > 1 ? `${c.batching}; ${c.placement}` : c.batching);
  const rows = s.curves.flatMap((c) => c.points.map((p) => p.error || p.notRun
    ? [model(c), where(c), p.streams, p.error ? `**no**: ${p.error}` : `not run: ${p.notRun}`, '', '', '', '', '', '', '', '']
    : [model(c), where(c), p.streams, (p.realTime ? 'yes' : '**no**') + (p.note ? ` (${p.note})` : ''), f(p.p50Ms, 0), f(p.p99Ms, 0), `${p.windowsScored}/${p.windowsExpected}`, p.skipped, f(p.meanBatch, 1),
      f(p.pluginCores + p.workerCores, 2), f(p.rssPerStreamMB, 1), f(p.loadavg1, 1)]));
  return `## 3. Server scale: streams per core
Each point is a fresh process (\`packages/server/bench/streams.ts\`): one process
(\`packages/server/bench/rtp-replay.mjs\`) replays libopus packets (encoded once by ffmpeg: 48 kHz, 20 ms,
32 kb/s, VoIP) as RTP in real time to N PlainTransport producers of a real mediasoup router, each stream with
its own SSRC, numbering and starting point; the plugin (\`attachQualityMonitor\`: DirectTransport consumer ->
jitter buffer -> Opus decoder at 16 kHz -> core windows -> Silero -> teacher pool) scores them with **${s.model}**
on onnxruntime-node's CPU EP, 1 thread, ${s.seconds} s of LibriSpeech speech per stream, streams started
staggered over one hop. ${pin}.
- **real time**: no window skipped for backlog, p99 latency under one hop (${s.hopMs} ms), and at least
  90 % of the expected windows scored or judged no-speech (expected = streams x (seconds - 4 + 1); Opus'
  trimmed edges can cost a stream its last window). The headline "streams per core" is the
  largest real-time N on the curve; the curve's points are the only N tried (after two points in a row
  that are not real time, larger N are not run).
- **p50 / p99 latency**: from the arrival of a window's last audio in the plugin to its score event
  (\`ScoreEvent.latencyMs\`): queueing for the batch, inference, and waiting behind other batches.
- **cores used**: CPU seconds of the plugin process + the mediasoup worker per wall second over the
  steady phase (all streams running); 1.0 = the pinned core is saturated.
- **RSS per stream**: growth of resident memory (plugin process + worker) from before the first producer
  to the end of the steady phase, divided by N; it includes one-time costs (the decoder's wasm
  compile, onnxruntime's arena growing for batches) and GC timing, so it is noisy at small N (even
  negative when V8 returns start-up garbage); the slope of total RSS over the real-time points (last
  table; past the limit a point also holds its growing backlog of audio) is the steadier figure for
  what one more stream costs.
- **load avg before**: the machine's 1-minute load average as the point started; above the core count,
  other processes competed for the pinned core and the point is pessimistic.
- Batching on = the teacher pool's \`batchSize 16, maxWaitMs 50\` (the default); off = \`batchSize 1\`.
- **all cores** (a row whose batching names the cores): nothing pinned, the sender sharing the cores,
  \`inferenceThread: true\` (model and Silero on the plugin's worker thread) and one mediasoup worker and
  router per core whose monitors share one \`createMonitorScoring\`; cores used can reach the core count,
  and streams per core is the real-time N divided by the cores.

${table(['model', 'batching', 'streams', 'real time', 'p50 ms', 'p99 ms', 'windows scored', 'skipped', 'mean batch', 'cores used', 'RSS MB / stream', 'load avg (1 min) before'], rows)}

${table(['model', 'batching', 'streams per core in real time', 'model-only bound (1 / RTF, section 3a)', 'efficiency', 'stream-seconds per CPU-second at that point', 'RSS MB per added stream (slope over the real-time points)'],
    s.curves.map((c) => {
      const sum = s.summary?.find((x) => x.model === c.model);
      const cores = c.cores ?? 1;
      const perCore = cores > 1 ? `${c.maxRealTimeStreams}${c.limitReached ? '' : '+'} on ${cores} cores = ${f(c.streamsPerCore, 1)}` : `${c.maxRealTimeStreams}${c.limitReached ? '' : '+ (limit not reached)'}`;
      const eff = sum?.modelBoundPerCore ? (cores > 1 ? c.streamsPerCore / sum.modelBoundPerCore : sum.efficiency) : null;
      return [model(c), where(c), perCore, f(sum?.modelBoundPerCore, 0), f(eff, 2), f(c.streamsPerCoreByCpu, 1), f(c.marginalRssPerStreamMB, 1)];
    }))}

![scale](bench-scale.png)
`;
}

const STAGES = [
  ['rtp-transport', 'RTP over mediasoup (DirectTransport consumer; worker + plugin, sender side taken off)'],
  ['rtp-jitter', 'RTP parse + jitter buffer'],
  ['opus-decode', 'Opus decode (libopus wasm) straight to 16 kHz'],
  ['windows', 'STFT, energy gate, signal evidence, windows (core)'],
  ['speech-detector', 'speech detector (Silero VAD, every 32 ms frame)'],
  ['model', 'MOS model (16 streams at one hop, streamed when the card has a pair), per window / hop'],
  ['telemetry', 'smoothing + alert rule + event JSON'],
];

function stagesSection(st) {
  if (!st) return '';
  const skip = skippedOr(st);
  if (skip) return `## 3a. Where a stream's CPU goes\n${skip}\n`;
  const ok = st.rows.filter((r) => !r.error);
  const head = ['stage', ...ok.map((r) => `${r.model} ms / audio s`), ...ok.map((r) => `${r.model} share`)];
  const rows = STAGES.map(([k, what]) => [what, ...ok.map((r) => f(r.msPerAudioSecond[k], 2)), ...ok.map((r) => `${f((100 * r.msPerAudioSecond[k]) / r.totalMsPerAudioSecond, 0)} %`)]);
  rows.push(['**total**', ...ok.map((r) => `**${f(r.totalMsPerAudioSecond, 2)}**`), ...ok.map(() => '100 %')]);
  const bounds = table(['model', 'model-only bound (1 / RTF), streams per core', 'bound of the whole path (1 / total), streams per core', 'path efficiency (model / total)', 'whole-window model, ms / audio s', 'before: decode at 48 kHz + resample, ms / audio s'],
    ok.map((r) => [r.model, f(r.modelBoundStreamsPerCore, 0), f(r.pipelineBoundStreamsPerCore, 0), f(r.msPerAudioSecond.model / r.totalMsPerAudioSecond, 2), r.streamed ? f(r.wholeWindowModelMsPerAudioSecond, 2) : 'n/a (no pair)', `${f(r.before['opus-decode-48k'], 2)} + ${f(r.before['resample-48k'], 2)}`]));
  const errors = st.rows.filter((r) => r.error).map((r) => `- ${r.model}: error ${r.error}`).join('\n');
  return `## 3a. Where a stream's CPU goes
\`packages/server/bench/stages.ts\`: every stage of the monitor's path run on its own, one thread, over the same
${f(ok[0]?.audioSeconds, 0)} s of real speech as libopus RTP (48 kHz, 20 ms, 32 kb/s), median of ${ok[0]?.repeat ?? '?'} runs: CPU
milliseconds per second of one stream's audio (1000 = a whole core per stream). The sum is what one stream
costs without queueing or scheduling; the scale curve below is where the stages add up under real-time load.
The last column is the path the monitor took before it decoded Opus straight to the model's 16 kHz.

${table(head, rows)}

${bounds}
${errors ? `\n${errors}\n` : ''}`;
}

function gpuSection(g) {
  if (!g) return '';
  const skip = skippedOr(g);
  if (skip) return `## 4. GPU batch throughput\n${skip}. Where a GPU is present this section measures the largest model's
windows/s on onnxruntime-node's CUDA EP at batch 1..256 and the same architecture in PyTorch on CUDA
(streams per GPU = windows/s x hop).\n`;
  const rows = [];
  for (const [name, part] of [['onnxruntime-node CUDA EP', g.onnxruntime], [`PyTorch ${g.pytorch?.torch ?? ''} CUDA (${g.pytorch?.device ?? ''})`, g.pytorch]]) {
    if (part?.rows) for (const x of part.rows) rows.push([name, x.batch, f(x.perBatchMs, 2), f(x.windowsPerSecond, 0), x.streamsPerGpu]);
    else rows.push([name, '', '', skippedOr(part) ?? 'n/a', '']);
  }
  return `## 4. GPU batch throughput (${g.model})
Windows per second for batches of windows on the GPU (median over runs after warm-up; the ONNX side includes
copying windows to the GPU and scores back). Streams per GPU = windows/s x hop (${g.hopSeconds} s): each
stream needs one window per hop. The PyTorch reference is the same architecture (fp32, random weights).

${table(['runtime', 'batch', 'ms per batch', 'windows/s', 'streams per GPU'], rows)}

![gpu](bench-gpu.png)
`;
}

export function renderResults(r) {
  const m0 = r.machineAtStart;
  const m1 = r.machineAtEnd;
  return `# callmos benchmarks

Run ${r.date} (${r.mode} mode, ${f(r.seconds, 0)} s) on ${m0.cpu}, ${m0.cores} cores, ${m0.memGiB} GiB, ${m0.platform},
Node ${m0.node}. Load average (1, 5, 15 min) at start ${m0.loadavg.join(', ')}, at end ${m1.loadavg.join(', ')}:
a load above the core count means other jobs shared the CPU and every number below is pessimistic.
Regenerate with \`npm run build && npm run bench\` (\`-- --quick\` for a short development run into bench/out/).
Raw numbers: [results.json](results.json). Every figure is a ratio or sits beside its reference measured in
the same run.

## Headline
${headline(r)}

${dspSection(r.dsp)}
${modelsSection(r.models)}
${floorSection(r.floor)}
${stagesSection(r.stages)}
${scaleSection(r.scale)}
${gpuSection(r.gpu)}`;
}
