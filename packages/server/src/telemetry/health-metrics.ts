/**
 * The health half of the Prometheus metrics: whether each monitor runs, what it dropped of its network
 * input and why, what it worked around, its own faults, and what the telemetry server refused or
 * dropped. Counters are read from the monitors' and servers' own stats at scrape time (one source of
 * truth, nothing counted twice); every label comes from a fixed set, so the series are bounded by
 * rooms x reasons whatever the input.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { ignoreElements, merge, type Subscription } from 'rxjs';
import type { QualityMonitor } from '../monitor/quality-monitor.js';
import { DROPPED_INPUTS, MONITOR_FAULTS, STREAM_ANOMALIES, type MonitorStats } from '../monitor/monitor-stats.js';
import type { TelemetrySource } from './source.js';
import { CLIENT_DROPS, type TelemetryServer } from './ws-server.js';
import { UPGRADE_REFUSALS } from './upgrade-request.js';

/** What the metrics read: a TelemetrySource, and a monitor's pool and stats when it is one. */
export type MetricsSource = TelemetrySource & Partial<Pick<QualityMonitor, 'pool' | 'stats'>>;

/** Sums a counter of every source with stats, per room, into `counter` (labels room + `label`). */
function perRoom(sources: MetricsSource[], label: string, keys: readonly string[], read: (s: MonitorStats) => Record<string, number>) {
  return function collect(this: Counter<string>) {
    this.reset();
    for (const s of sources) {
      const stats = s.stats;
      if (!stats) continue;
      const values = read(stats);
      for (const key of keys) this.inc({ room: s.room, [label]: key }, values[key] ?? 0);
    }
  };
}

/**
 * Registers the health metrics; `onStopped(room)` runs when a room's last running source errors or
 * completes (so the caller can drop its per-producer series). Returns the subscriptions to end.
 */
export function healthMetrics(
  registers: Registry[],
  p: string,
  sources: MetricsSource[],
  telemetry: TelemetryServer[],
  onStopped: (room: string) => void,
): Subscription[] {
  const withStats = sources.filter((s) => s.stats !== undefined);
  if (withStats.length > 0) {
    new Counter({
      name: `${p}dropped_inputs_total`,
      help: 'Network input counted and dropped, by reason: malformed RTP, foreign payload type, late, duplicate, corrupt Opus, over rate',
      labelNames: ['room', 'reason'],
      registers,
      collect: perRoom(withStats, 'reason', DROPPED_INPUTS, (s) => s.dropped),
    });
    new Counter({
      name: `${p}stream_anomalies_total`,
      help: 'Input worked around, by kind: unfilled timestamp jumps, gaps throttled to the wall clock, stream resets, stalls',
      labelNames: ['room', 'kind'],
      registers,
      collect: perRoom(withStats, 'kind', STREAM_ANOMALIES, (s) => s.anomalies),
    });
    new Counter({
      name: `${p}monitor_faults_total`,
      help: "The monitor's own failures, by kind: producers not monitored, stats polls, decoder resets, RTP handler errors",
      labelNames: ['room', 'kind'],
      registers,
      collect: perRoom(withStats, 'kind', MONITOR_FAULTS, (s) => s.faults),
    });
  }

  const up = new Gauge({ name: `${p}monitor_up`, help: '1 while the monitor of the room runs, 0 once it stopped (closed or failed)', labelNames: ['room'], registers });
  const failures = new Counter({ name: `${p}monitor_failures_total`, help: 'Monitors that failed (the mediasoup worker died)', labelNames: ['room'], registers });
  const running = new Map<string, number>();
  for (const s of sources) running.set(s.room, (running.get(s.room) ?? 0) + 1);
  for (const room of running.keys()) {
    up.set({ room }, 1);
    failures.inc({ room }, 0);
  }
  const subscriptions = sources.map((s) => {
    const stopped = (failed: boolean) => {
      if (failed) failures.inc({ room: s.room });
      const left = (running.get(s.room) ?? 1) - 1;
      running.set(s.room, left);
      if (left > 0) return;
      up.set({ room: s.room }, 0);
      onStopped(s.room);
    };
    return merge(s.scores$, s.alerts$, s.participants$, s.room$)
      .pipe(ignoreElements())
      .subscribe({ error: () => stopped(true), complete: () => stopped(false) });
  });

  if (telemetry.length > 0) {
    const sum = (read: (t: TelemetryServer) => number) => telemetry.reduce((n, t) => n + read(t), 0);
    new Gauge({
      name: `${p}telemetry_clients`,
      help: 'WebSocket telemetry clients connected',
      registers,
      collect() {
        this.set(sum((t) => t.clients));
      },
    });
    new Counter({
      name: `${p}telemetry_refused_upgrades_total`,
      help: 'Upgrade requests answered with an HTTP error, by reason',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        for (const reason of UPGRADE_REFUSALS) this.inc({ reason }, sum((t) => t.stats.refused[reason]));
      },
    });
    new Counter({
      name: `${p}telemetry_dropped_clients_total`,
      help: 'Telemetry clients closed by the server, by reason: slow, unresponsive (missed a ping), monitor down',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        for (const reason of CLIENT_DROPS) this.inc({ reason }, sum((t) => t.stats.dropped[reason]));
      },
    });
    new Counter({
      name: `${p}telemetry_bad_messages_total`,
      help: 'Client messages refused (not a filter, over the size cap, breaking the protocol)',
      registers,
      collect() {
        this.reset();
        this.inc(sum((t) => t.stats.badMessages));
      },
    });
    new Counter({
      name: `${p}telemetry_unserializable_events_total`,
      help: 'Events not sent because they could not be serialised (appData with a cycle or a BigInt)',
      registers,
      collect() {
        this.reset();
        this.inc(sum((t) => t.stats.unserializable));
      },
    });
    new Counter({
      name: `${p}telemetry_socket_errors_total`,
      help: 'Socket errors on telemetry connections (resets mid-answer, ...)',
      registers,
      collect() {
        this.reset();
        this.inc(sum((t) => t.stats.socketErrors));
      },
    });
  }
  return subscriptions;
}
