/**
 * metricsHandler: Prometheus text (prom-client) for the monitors, as a Node HTTP handler for /metrics.
 * Per-producer gauges are removed when their producer closes (and when their monitor stops) so series
 * do not pile up in a long-lived SFU. Its own Registry unless one is given (then its metrics join the
 * caller's). The health metrics (monitor up, dropped input, telemetry refusals) are health-metrics.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from '@callmos/core';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Subscription } from 'rxjs';
import type { TelemetryServer } from './ws-server.js';
import { healthMetrics, type MetricsSource } from './health-metrics.js';

const logger = new Logger('server:metrics');

export interface MetricsHandlerOptions {
  registry?: Registry;
  /** metric name prefix; default 'callmos_' */
  prefix?: string;
  /** telemetry servers whose clients, refusals and drops are exported too */
  telemetry?: TelemetryServer | TelemetryServer[];
}

export interface MetricsHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  readonly registry: Registry;
  /** the exposition text */
  metrics(): Promise<string>;
  /** stops following the monitors (their series stay until the registry is dropped) */
  close(): void;
}

export function metricsHandler(sources: MetricsSource | MetricsSource[], options: MetricsHandlerOptions = {}): MetricsHandler {
  const registry = options.registry ?? new Registry();
  const p = options.prefix ?? 'callmos_';
  const registers = [registry];
  const mos = new Gauge({ name: `${p}mos`, help: 'Smoothed content MOS (EMA) per producer, 1..5', labelNames: ['room', 'producer'], registers });
  const windowMos = new Gauge({ name: `${p}window_mos`, help: 'MOS of the latest scored window per producer', labelNames: ['room', 'producer'], registers });
  const networkMos = new Gauge({ name: `${p}network_mos`, help: 'E-model network MOS from RTP stats per producer', labelNames: ['room', 'producer'], registers });
  const mosHist = new Histogram({
    name: `${p}window_mos_distribution`,
    help: 'Scored window MOS',
    labelNames: ['room'],
    buckets: [1.5, 2, 2.4, 2.5, 2.6, 3, 3.3, 3.4, 3.5, 4, 4.5, 5],
    registers,
  });
  const latency = new Histogram({
    name: `${p}score_latency_seconds`,
    help: 'From the last audio of a window arriving to its score event',
    labelNames: ['room'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const windows = new Counter({ name: `${p}windows_total`, help: 'Windows by outcome', labelNames: ['room', 'outcome'], registers });
  const droppedWindows = new Counter({
    name: `${p}dropped_windows_total`,
    help: 'Windows skipped because inference fell behind',
    labelNames: ['room'],
    registers,
  });
  const streams = new Gauge({ name: `${p}streams`, help: 'Audio producers monitored', labelNames: ['room'], registers });
  const degraded = new Gauge({ name: `${p}streams_degraded`, help: 'Producers in band poor, alerting or stalled', labelNames: ['room'], registers });
  const stalled = new Gauge({ name: `${p}streams_stalled`, help: 'Producers not paused that sent no RTP for stallAfterMs', labelNames: ['room'], registers });
  const alerts = new Counter({ name: `${p}alerts_total`, help: 'Alerts raised and cleared', labelNames: ['room', 'kind'], registers });
  // a counter (it only grows while the producer lives): rate() in PromQL gives packets concealed per second
  const concealed = new Counter({ name: `${p}concealed_packets_total`, help: 'Opus packets concealed (lost or corrupt) per producer', labelNames: ['room', 'producer'], registers });
  /** the concealed count already added to each producer's counter (`room/producer`) */
  const concealedSoFar = new Map<string, number>();
  const batchSize = new Histogram({ name: `${p}batch_size`, help: 'Windows per model execution', buckets: [1, 2, 4, 8, 16, 32, 64], registers });
  const inference = new Histogram({
    name: `${p}inference_seconds`,
    help: 'Model execution time per batch',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers,
  });

  const sourceList = Array.isArray(sources) ? sources : [sources];
  /** producers with per-producer series, per room */
  const producersOf = new Map<string, Set<string>>();
  const perProducer = [mos, windowMos, networkMos, concealed];
  const removeProducer = (room: string, producer: string) => {
    for (const g of perProducer) g.remove({ room, producer });
    concealedSoFar.delete(`${room}/${producer}`);
    producersOf.get(room)?.delete(producer);
  };
  const track = (room: string, producer: string) => {
    const set = producersOf.get(room) ?? producersOf.set(room, new Set()).get(room)!;
    set.add(producer);
  };
  // A stopped monitor's producers are gone with it: no series frozen at their last value.
  const onStopped = (room: string) => {
    for (const producer of [...(producersOf.get(room) ?? [])]) removeProducer(room, producer);
    for (const g of [streams, degraded, stalled]) g.set({ room }, 0);
  };
  const telemetry = options.telemetry === undefined ? [] : Array.isArray(options.telemetry) ? options.telemetry : [options.telemetry];
  const subscriptions: Subscription[] = healthMetrics(registers, p, sourceList, telemetry, onStopped);
  // (The subscriptions below ignore errors: healthMetrics counts a failed monitor and drops its series.)
  for (const s of sourceList) {
    const room = s.room;
    // A source errors when its monitor fails (the app hears that from the monitor); here it only means
    // the room's metrics stop updating, said once.
    let stopped = false;
    const onSourceError = (err: unknown) => {
      if (!stopped) logger.warn(`room ${room}: telemetry source failed, its metrics stop updating: ${String(err)}`);
      stopped = true;
    };
    // A room's counters exist from the start at 0 (Prometheus practice: rate() and increase() over a series
    // that appears only on its first event miss that event, and a dashboard panel stays empty until then).
    droppedWindows.inc({ room }, 0);
    for (const kind of ['raised', 'cleared'] as const) alerts.inc({ room, kind }, 0);
    subscriptions.push(
      s.scores$.subscribe({
        next: (e) => {
          const outcome = e.scored ? 'scored' : (e.reason ?? 'unknown');
          windows.inc({ room, outcome });
          if (e.reason === 'skipped-backlog') droppedWindows.inc({ room });
          latency.observe({ room }, e.latencyMs / 1000);
          if (e.scored && e.mos !== null) {
            track(room, e.streamId);
            windowMos.set({ room, producer: e.streamId }, e.mos);
            mosHist.observe({ room }, e.mos);
          }
          if (e.emaMos !== undefined) mos.set({ room, producer: e.streamId }, e.emaMos);
          if (e.network) networkMos.set({ room, producer: e.streamId }, e.network.mos);
        },
        error: onSourceError,
      }),
      s.alerts$.subscribe({ next: (a) => alerts.inc({ room, kind: a.kind }), error: onSourceError }),
      s.participants$.subscribe({
        next: (states) => {
          for (const st of states) {
            if (st.closed) {
              removeProducer(room, st.producerId);
              continue;
            }
            track(room, st.producerId);
            const key = `${room}/${st.producerId}`;
            const count = st.stats.opus.concealed;
            if (!Number.isFinite(count) || count < 0) continue; // a count that is not one must not poison the counter
            const before = concealedSoFar.get(key);
            // a count that went back started again from 0 (a new decoder): all of it is new; inc(0) makes the
            // series exist from the producer's start
            const added = before === undefined ? count : count >= before ? count - before : count;
            if (added > 0 || before === undefined) concealed.inc({ room, producer: st.producerId }, added);
            concealedSoFar.set(key, count);
          }
        },
        error: onSourceError,
      }),
      s.room$.subscribe({
        next: (r) => {
          streams.set({ room }, r.count);
          degraded.set({ room }, r.degraded);
          stalled.set({ room }, r.stalled ?? 0);
        },
        error: onSourceError,
      }),
    );
    if (s.pool) {
      subscriptions.push(
        s.pool.runs$.subscribe((run) => {
          batchSize.observe(run.size);
          inference.observe(run.durationMs / 1000);
        }),
      );
    }
  }

  const handler = ((req: IncomingMessage, res: ServerResponse) => {
    void req;
    registry
      .metrics()
      .then((text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text))
      .catch((err: Error) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`metrics failed: ${err.message}\n`));
  }) as MetricsHandler;
  Object.defineProperty(handler, 'registry', { value: registry });
  handler.metrics = () => registry.metrics();
  handler.close = () => subscriptions.forEach((s) => s.unsubscribe());
  return handler;
}
