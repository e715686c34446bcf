/**
 * Per-stream accounting for the soak. A stream is one producer's life (a new producer after a rejoin or a
 * worker restart is a new stream). For each: what the sender sent, the score events the monitor emitted
 * (and the persistent dashboard received), the windows the monitor's own stats counted, its alerts.
 *
 * Checks, for streams that ended normally (left, or were closed at the end of the run; not those whose
 * worker was killed under them):
 *  - every window became a score event: events === windows (the monitor's count), and the persistent
 *    dashboard got the same number (nothing lost between monitor and WebSocket);
 *  - one window per hop of audio: windows within 1 of what the stream's decoded duration gives, and the
 *    decoded duration within 0.3 s of what was sent (lost packets are concealed, so time keeps pace);
 *  - every alert raised was cleared by the time the stream ended (recovered, or closed).
 *
 * A stream that ended normally is checked as soon as its final counters are in and folded into
 * totals: only its score count stays, for the comparison with the persistent dashboard at the end. So the
 * ledger's own memory does not grow with the streams the run has seen (hundreds an hour), and the soak's
 * heap slope is the monitor's, not the harness's.
 */

export class Ledger {
  /** @param {{ windowSeconds: number, hopSeconds: number }} shape */
  constructor(shape) {
    this.shape = shape;
    /** @type {Map<string, any>} streams not over yet */
    this.streams = new Map();
    /** @type {Map<string, { label: string, events: number }>} streams that ended normally and were checked */
    this.checked = new Map();
    this.problems = [];
    this.totals = { streams: 0, endedNormally: 0, killed: 0, windows: 0, events: 0 };
    this.alerts = { raised: 0, cleared: 0, unclearedAtClose: [], unclearedAtKill: 0 };
    /** smoothed bands of all score events, and the lowest smoothed MOS seen */
    this.bands = { good: 0, fair: 0, poor: 0 };
    this.lowestEmaMos = Infinity;
  }

  join(producerId, info) {
    this.totals.streams++;
    this.streams.set(producerId, { producerId, ...info, events: 0, scored: 0, notScored: {}, alerts: [], ended: null, final: null, sent: null });
  }

  onScore(e) {
    const s = this.streams.get(e.streamId);
    if (!s) return this.late(e.streamId, 'score event');
    s.events++;
    if (e.scored) s.scored++;
    if (e.band) this.bands[e.band]++;
    if (typeof e.emaMos === 'number') this.lowestEmaMos = Math.min(this.lowestEmaMos, e.emaMos);
    else s.notScored[e.reason ?? 'unknown'] = (s.notScored[e.reason ?? 'unknown'] ?? 0) + 1;
  }

  onAlert(a) {
    const s = this.streams.get(a.producerId);
    if (!s) return this.late(a.producerId, `${a.kind} alert`);
    s.alerts.push({ kind: a.kind, at: a.at, reason: a.reason });
  }

  /** Something for a stream already checked: the monitor reported its final counters too early. */
  late(producerId, what) {
    if (this.checked.has(producerId)) this.problems.push(`${producerId}: a ${what} after its final counters`);
  }

  /** A participants$ entry with closed: true: the stream's final counters. */
  onClosed(p) {
    const s = this.streams.get(p.producerId);
    if (s && !s.final) s.final = p.stats;
    if (s) this.foldIfOver(s);
  }

  /** @param {'left' | 'killed' | 'end'} how */
  end(producerId, how, sent) {
    const s = this.streams.get(producerId);
    if (!s) return;
    s.ended = how;
    s.sent = sent;
    this.foldIfOver(s);
  }

  /**
   * Checks a stream that ended normally once its final counters are in, and keeps only its score count.
   * Streams killed under the monitor stay until check(): their alerts are cleared after the kill.
   */
  foldIfOver(s) {
    if ((s.ended !== 'left' && s.ended !== 'end') || !s.final) return;
    this.streams.delete(s.producerId);
    this.checkAlerts(s);
    this.totals.endedNormally++;
    this.checkCounts(s);
    this.checked.set(s.producerId, { label: s.label, events: s.events });
  }

  checkAlerts(s) {
    const raised = s.alerts.filter((a) => a.kind === 'raised').length;
    this.alerts.raised += raised;
    this.alerts.cleared += s.alerts.length - raised;
    const open = s.alerts.length > 0 && s.alerts[s.alerts.length - 1].kind === 'raised';
    if (open && s.ended === 'killed') this.alerts.unclearedAtKill++;
    else if (open) this.alerts.unclearedAtClose.push(s.producerId);
    for (let i = 1; i < s.alerts.length; i++) if (s.alerts[i].kind === s.alerts[i - 1].kind) this.problems.push(`${s.producerId}: two ${s.alerts[i].kind} alerts in a row`);
  }

  /** A normally ended stream: every window an event, one window per hop, the audio sent all decoded. */
  checkCounts(s) {
    const id = `${s.producerId} (${s.label})`;
    this.totals.windows += s.final.windows;
    this.totals.events += s.events;
    if (s.events !== s.final.windows) this.problems.push(`${id}: ${s.events} score events for ${s.final.windows} windows`);
    const expected = this.expectedWindows(s.final.duration);
    if (Math.abs(s.final.windows - expected) > 1) this.problems.push(`${id}: ${s.final.windows} windows for ${s.final.duration.toFixed(2)} s of audio (expected ${expected})`);
    if (s.sent && Math.abs(s.final.duration - s.sent.seconds) > 0.3 + 0.02 * trailingLoss(s)) {
      this.problems.push(`${id}: decoded ${s.final.duration.toFixed(2)} s of ${s.sent.seconds.toFixed(2)} s sent`);
    }
  }

  /** Expected windows for `duration` s of audio: one per hop once a window is full; a shorter stream is scored once. */
  expectedWindows(duration) {
    const { windowSeconds: w, hopSeconds: h } = this.shape;
    if (duration <= 0) return 0;
    return duration < w ? 1 : Math.floor((duration - w) / h + 1e-6) + 1;
  }

  /** Once, at the end of the run. @param {Map<string, number>} dashboardScores per-stream scores the persistent dashboard got */
  check(dashboardScores) {
    for (const s of this.streams.values()) {
      this.checkAlerts(s);
      if (s.ended === 'killed') this.totals.killed++;
      // ended normally but its final counters never came
      else if (s.ended !== null) this.problems.push(`${s.producerId} (${s.label}): no closed participant state (final counters) seen`);
    }
    const problems = [...this.problems];
    for (const [producerId, s] of this.checked) {
      const onWire = dashboardScores.get(producerId) ?? 0;
      if (onWire !== s.events) problems.push(`${producerId} (${s.label}): the persistent dashboard got ${onWire} scores of ${s.events}`);
    }
    const { alerts } = this;
    if (alerts.unclearedAtClose.length) problems.push(`alerts still raised when their stream closed: ${alerts.unclearedAtClose.join(', ')}`);
    const t = this.totals;
    return {
      streams: { total: t.streams, endedNormally: t.endedNormally, killed: t.killed, unfinished: [...this.streams.values()].filter((s) => s.ended === null).length },
      windows: t.windows,
      events: t.events,
      bands: this.bands,
      lowestEmaMos: Number.isFinite(this.lowestEmaMos) ? this.lowestEmaMos : null,
      alerts: { ...alerts, unclearedAtClose: alerts.unclearedAtClose.length },
      problems,
    };
  }
}

/** Packets lost at the very end of a stream are never declared lost (nothing newer arrives): allow for them. */
function trailingLoss(s) {
  return s.sent ? Math.min(50, s.sent.lost) : 0;
}
