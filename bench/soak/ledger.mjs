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
 */

export class Ledger {
  /** @param {{ windowSeconds: number, hopSeconds: number }} shape */
  constructor(shape) {
    this.shape = shape;
    /** @type {Map<string, any>} */
    this.streams = new Map();
    /** smoothed bands of all score events, and the lowest smoothed MOS seen */
    this.bands = { good: 0, fair: 0, poor: 0 };
    this.lowestEmaMos = Infinity;
  }

  join(producerId, info) {
    this.streams.set(producerId, { producerId, ...info, events: 0, scored: 0, notScored: {}, alerts: [], ended: null, final: null, sent: null });
  }

  onScore(e) {
    const s = this.streams.get(e.streamId);
    if (!s) return;
    s.events++;
    if (e.scored) s.scored++;
    if (e.band) this.bands[e.band]++;
    if (typeof e.emaMos === 'number') this.lowestEmaMos = Math.min(this.lowestEmaMos, e.emaMos);
    else s.notScored[e.reason ?? 'unknown'] = (s.notScored[e.reason ?? 'unknown'] ?? 0) + 1;
  }

  onAlert(a) {
    this.streams.get(a.producerId)?.alerts.push({ kind: a.kind, at: a.at, reason: a.reason });
  }

  /** A participants$ entry with closed: true: the stream's final counters. */
  onClosed(p) {
    const s = this.streams.get(p.producerId);
    if (s && !s.final) s.final = p.stats;
  }

  /** @param {'left' | 'killed' | 'end'} how */
  end(producerId, how, sent) {
    const s = this.streams.get(producerId);
    if (!s) return;
    s.ended = how;
    s.sent = sent;
  }

  /** Expected windows for `duration` s of audio: one per hop once a window is full; a shorter stream is scored once. */
  expectedWindows(duration) {
    const { windowSeconds: w, hopSeconds: h } = this.shape;
    if (duration <= 0) return 0;
    return duration < w ? 1 : Math.floor((duration - w) / h + 1e-6) + 1;
  }

  /** @param {Map<string, number>} dashboardScores per-stream scores the persistent dashboard got */
  check(dashboardScores) {
    const problems = [];
    const all = [...this.streams.values()];
    const normal = all.filter((s) => s.ended === 'left' || s.ended === 'end');
    const alerts = { raised: 0, cleared: 0, unclearedAtClose: [], unclearedAtKill: 0 };
    let windows = 0;
    let events = 0;
    for (const s of all) {
      const raised = s.alerts.filter((a) => a.kind === 'raised').length;
      alerts.raised += raised;
      alerts.cleared += s.alerts.length - raised;
      const open = s.alerts.length > 0 && s.alerts[s.alerts.length - 1].kind === 'raised';
      if (open && s.ended === 'killed') alerts.unclearedAtKill++;
      else if (open) alerts.unclearedAtClose.push(s.producerId);
      for (let i = 1; i < s.alerts.length; i++) if (s.alerts[i].kind === s.alerts[i - 1].kind) problems.push(`${s.producerId}: two ${s.alerts[i].kind} alerts in a row`);
    }
    for (const s of normal) {
      const id = `${s.producerId} (${s.label})`;
      if (!s.final) {
        problems.push(`${id}: no closed participant state (final counters) seen`);
        continue;
      }
      windows += s.final.windows;
      events += s.events;
      if (s.events !== s.final.windows) problems.push(`${id}: ${s.events} score events for ${s.final.windows} windows`);
      const onWire = dashboardScores.get(s.producerId) ?? 0;
      if (onWire !== s.events) problems.push(`${id}: the persistent dashboard got ${onWire} scores of ${s.events}`);
      const expected = this.expectedWindows(s.final.duration);
      if (Math.abs(s.final.windows - expected) > 1) problems.push(`${id}: ${s.final.windows} windows for ${s.final.duration.toFixed(2)} s of audio (expected ${expected})`);
      if (s.sent && Math.abs(s.final.duration - s.sent.seconds) > 0.3 + 0.02 * trailingLoss(s)) {
        problems.push(`${id}: decoded ${s.final.duration.toFixed(2)} s of ${s.sent.seconds.toFixed(2)} s sent`);
      }
    }
    if (alerts.unclearedAtClose.length) problems.push(`alerts still raised when their stream closed: ${alerts.unclearedAtClose.join(', ')}`);
    return {
      streams: { total: all.length, endedNormally: normal.length, killed: all.filter((s) => s.ended === 'killed').length, unfinished: all.filter((s) => s.ended === null).length },
      windows,
      events,
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
