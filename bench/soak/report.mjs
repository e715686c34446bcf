/** The soak's markdown section (bench/SOAK.md) from its results. */

const f = (x, digits = 1) => (x === null || x === undefined ? 'n/a' : Number(x).toFixed(digits));

/** @param {any} r the soak-results.json object @returns {string} */
export function soakMarkdown(r) {
  const m = r.memory.afterWarmup;
  const t = r.telemetry;
  const c = r.config;
  const lines = [
    '## Soak and churn',
    '',
    `\`${r.command}\` on ${r.machine.cores} cores (${r.machine.cpu ?? 'cpu?'}), ${r.date.slice(0, 16).replace('T', ' ')} UTC, ${f(r.seconds / 60)} min.`,
    '',
    `${c.streams} concurrent real Opus RTP streams (pre-encoded libopus speech replayed from one worker thread) into mediasoup PlainTransport producers, ` +
      `scored by attachQualityMonitor with ${c.model} on ${String(c.provider).toUpperCase()}${c.inferenceThread ? ' (inference on a worker thread)' : ''}; one producer leaves and one joins every ${c.churnSeconds} s; ` +
      `half the streams get bursts of ${c.loss * 100} % loss (8-15 s), all get reordering spells; ` +
      (c.killAt > 0 ? `the mediasoup worker is killed at ${f(c.killAt * c.minutes)} min and replaced (new router and monitor, same WebSocket server); ` : '') +
      `${c.dashboards} WebSocket dashboards come and go, one stays.` +
      (r.calibration ? ` N from calibration: ${f(r.calibration.cpuPerStreamSecond * 1000)} ms of CPU per stream-second.` : ''),
    '',
    '| memory after warm-up | slope (MB/h) | first -> last (MB) |',
    '|---|---|---|',
    `| process RSS | ${f(m.rssMBPerHour)} | ${range(m.rssMBFirstLast)} |`,
    ...(m.rssAnonMBPerHour === undefined || m.rssAnonMBPerHour === null
      ? []
      : [
          `| - anonymous (malloc, V8 heap, wasm) | ${f(m.rssAnonMBPerHour)} | ${range(m.rssAnonMBFirstLast)} |`,
          `| - file-backed (library code paged in) | ${f(m.rssFileMBPerHour)} | ${range(m.rssFileMBFirstLast)} |`,
        ]),
    ...(m.mallocArenasMBPerHour === undefined || m.mallocArenasMBPerHour === null
      ? []
      : [
          `| - anonymous: main malloc heap (brk) | ${f(m.brkHeapMBPerHour)} | ${range(m.brkHeapMBFirstLast)} |`,
          `| - anonymous: other malloc arenas (threads) | ${f(m.mallocArenasMBPerHour)} | ${range(m.mallocArenasMBFirstLast)} |`,
          `| - anonymous: the rest (V8 pages, wasm memories, mmapped blocks) | ${f(m.otherAnonMBPerHour)} | ${range(m.otherAnonMBFirstLast)} |`,
        ]),
    ...(m.heapTotalMBPerHour === undefined ? [] : [`| V8 heap committed | ${f(m.heapTotalMBPerHour)} | ${range(m.heapTotalMBFirstLast)} |`]),
    `| JS heap used (after gc) | ${f(m.heapMBPerHour)} | ${range(m.heapMBFirstLast)} |`,
    `| external / array buffers | ${f(m.externalMBPerHour)} / ${f(m.arrayBuffersMBPerHour)} | ${range(m.externalMBFirstLast)} / ${range(m.arrayBuffersMBFirstLast)} |`,
    `| mediasoup worker RSS | ${f(m.workerRssMBPerHour)} | ${range(m.workerRssMBFirstLast)} |`,
    '',
    `Slopes are least-squares lines through ${m.samples} samples from ${f(m.fromS / 60)} min (warm-up) to the end of the steady run` +
      (r.memory.afterClose ? ` (after every stream was closed and its last windows flushed at once, RSS was ${f(r.memory.afterClose.rssMB)} MB: not in the slopes).` : '.') +
      (r.memory.segments.length
        ? ` Before / after the worker kill: RSS ${f(r.memory.segments[0].rssMBPerHour)} / ${f(r.memory.segments[1].rssMBPerHour)} MB/h, heap ${f(r.memory.segments[0].heapMBPerHour)} / ${f(r.memory.segments[1].heapMBPerHour)} MB/h` +
          (r.memory.segments[0].mallocArenasMBPerHour === undefined || r.memory.segments[0].mallocArenasMBPerHour === null
            ? '.'
            : `, malloc heap (brk) ${f(r.memory.segments[0].brkHeapMBPerHour)} / ${f(r.memory.segments[1].brkHeapMBPerHour)}, other malloc arenas ${f(r.memory.segments[0].mallocArenasMBPerHour)} / ${f(r.memory.segments[1].mallocArenasMBPerHour)}, the rest of the anonymous memory ${f(r.memory.segments[0].otherAnonMBPerHour)} / ${f(r.memory.segments[1].otherAnonMBPerHour)} MB/h.`)
        : ''),
    '',
    '| telemetry | |',
    '|---|---|',
    `| streams (ended normally / worker killed under them) | ${t.streams.total} (${t.streams.endedNormally} / ${t.streams.killed}) |`,
    `| windows of normally ended streams -> score events | ${t.windows} -> ${t.events} |`,
    `| scored latency p50 / p99 / max | ${f(t.scoredLatencyMs.p50, 0)} / ${f(t.scoredLatencyMs.p99, 0)} / ${f(t.scoredLatencyMs.max, 0)} ms |`,
    `| windows skipped (backlog) / scoring errors | ${t.skippedBacklog} / ${t.scoreErrors} |`,
    `| smoothed bands good / fair / poor (lowest smoothed MOS) | ${t.bands.good} / ${t.bands.fair} / ${t.bands.poor} (${f(t.lowestEmaMos, 2)}) |`,
    `| alerts (MOS below ${c.alert.threshold} for ${c.alert.seconds} s) raised / cleared / still raised at close / open at the kill | ${t.alerts.raised} / ${t.alerts.cleared} / ${t.alerts.unclearedAtClose} / ${t.alerts.unclearedAtKill} |`,
    `| dashboards: connections / unexpected closes / refused | ${t.dashboardChurn.opened} / ${t.dashboardChurn.unexpectedCloses} / ${t.dashboardChurn.refused} |`,
    ...r.workerKills.map((k) => `| worker kill at ${f(k.killedAt / 60)} min: first score after | ${f(k.firstScoreAfterS)} s (${k.streams} streams rejoined) |`),
    '',
    t.problems.length ? `**${t.problems.length} problem(s):**` : 'No problems: every window of every normally ended stream became a score event, on the monitor and on the WebSocket, one per hop of decoded audio, and every alert was cleared.',
    ...t.problems.slice(0, 30).map((p) => `- ${p}`),
    '',
  ];
  return `${lines.join('\n')}\n`;
}

const range = (fl) => (fl ? `${f(fl[0])} -> ${f(fl[1])}` : 'n/a');
