/**
 * QualityMonitor: live speech quality for every audio producer of a mediasoup Router (made by
 * attachQualityMonitor, ./attach-quality-monitor.ts).
 *
 * Watches router.observer 'newtransport' -> transport.observer 'newproducer'; each Opus producer is
 * consumed through one DirectTransport owned by the monitor (RTP arrives in this process as Buffers:
 * no sockets, ports or extra copies; a PlainTransport to a local socket would add a UDP hop and a port
 * per stream for nothing). Windows of all streams share one TeacherPool (one batched model run).
 *
 * Observables are hot. scores$ / stream$ carry smoothed events (emaMos, band); stream$(id) completes
 * when its producer closes, after the producer's last windows. Everything completes on close() or when
 * the router closes, and errors (MonitorError) when the worker dies under the monitor; either way every
 * stream is flushed first (its last windows scored), every producer is reported closed, and a raised
 * alert is cleared (reason: monitoring stopped), so no dashboard or pager is left with a stale state.
 *
 * Nothing of a closed producer stays: its listeners, consumer, decoder and per-stream operator state go
 * with it. A producer silent on the wire for stallAfterMs while not paused is `stalled` (participants$,
 * room$, stats), which is also what a sender that switched SSRC looks like: mediasoup drops RTP of an
 * SSRC the producer was not created with, so none of it reaches the monitor.
 */
import type { AppData, DirectTransport, Producer, Router } from 'mediasoup/types';
import { Subject, type Observable } from 'rxjs';
import { Logger, degradedFor, withQuality, type ScoreEvent, type SileroVad } from '@callmos/core';
import type { TeacherPool } from '../pool/teacher-pool.js';
import { emptyStreamStats } from '../audio/audio-stream.js';
import { opusDecodeRateFor } from '../audio/opus-stream-decoder.js';
import { ProducerTap } from './producer-tap.js';
import { ParticipantsPublisher } from './participants-publisher.js';
import { addStreamStats, copyMonitorStats, emptyMonitorStats, type MonitorStats } from './monitor-stats.js';
import type { MonitorAlert, ParticipantState, RoomQuality } from './types.js';
import type { ExternalTeachers } from '../teachers/external-teachers.js';
import type { MonitorScoring } from './monitor-scoring.js';
import { MonitorError } from './monitor-error.js';
import { Listeners, watchProducer, watchRouter } from './router-watch.js';
import type { MonitorBackend, QualityMonitorOptions } from './monitor-options.js';

export { MonitorError };
export type { MonitorBackend, QualityMonitorOptions };

const logger = new Logger('server:quality-monitor');

export class QualityMonitor {
  readonly room: string;
  readonly routerId: string;
  private readonly taps = new Map<string, ProducerTap>();
  private readonly raw = new Subject<ScoreEvent>();
  private readonly scores = new Subject<ScoreEvent>();
  private readonly alerts = new Subject<MonitorAlert>();
  /** producer ids whose streams ended: the smoothing and alerting operators drop their state */
  private readonly forget = new Subject<string>();
  private readonly publisher: ParticipantsPublisher<ProducerTap>;
  /** listeners to remove, by what they listen to (the router, each transport, each producer, the scoring) */
  private readonly listeners = new Listeners();
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  /** counters of producers gone, plus the monitor's own */
  private readonly retired = emptyMonitorStats();
  private closing: Promise<void> | undefined;
  /** why the monitor stopped, when it failed (the worker died) */
  private failure: MonitorError | undefined;
  private readonly log: (line: string) => void;
  /** the model's batch queue (the scoring's: shared with other monitors when the scoring is) */
  readonly pool: TeacherPool;
  private readonly speech: SileroVad | undefined;

  /** @internal use attachQualityMonitor */
  constructor(
    readonly router: Router,
    private readonly transport: DirectTransport,
    private readonly scoring: MonitorScoring,
    /** whether the monitor made its scoring (and closes it) or shares one its creator closes */
    private readonly ownsScoring: boolean,
    readonly backend: MonitorBackend,
    private readonly options: QualityMonitorOptions,
    private readonly teachers: ExternalTeachers | undefined,
  ) {
    this.pool = scoring.pool;
    this.speech = scoring.speech;
    this.routerId = router.id;
    this.room = options.room ?? (typeof router.appData.room === 'string' ? router.appData.room : router.id);
    this.log = options.log ?? console.info;
    // participantsIntervalMs is checked by attachQualityMonitor
    this.publisher = new ParticipantsPublisher(this.room, options.participantsIntervalMs ?? 250, (alsoClosed) => this.snapshot(alsoClosed));

    // One shared smoothing and alerting pipeline (withQuality/degradedFor keep per-stream state, dropped
    // through `forget` when a producer ends). Should either fail, nothing would be scored any more: the
    // monitor fails with it, loudly, rather than go on silent (when the monitor itself errors them, fail()
    // is a no-op).
    const forget = this.forget.asObservable();
    const broken = (what: string) => (err: unknown) => this.fail(new MonitorError('MONITOR_FAILED', `${what} failed: ${err instanceof Error ? err.message : String(err)}`));
    this.raw.pipe(withQuality(options.quality, { forget })).subscribe({ next: (event) => this.onSmoothed(event), error: broken('smoothing') });
    this.scores.pipe(degradedFor(options.alert ?? { seconds: 5, band: 'poor' }, { forget })).subscribe({
      next: (alert) => {
        const tap = this.taps.get(alert.streamId);
        if (!tap) return;
        tap.alerting = alert.kind === 'raised';
        tap.alertSince = tap.alerting ? alert.since : undefined;
        this.alerts.next({ ...alert, producerId: tap.producerId, room: this.room, appData: tap.appData });
        this.publishParticipants();
      },
      error: broken('alerting'),
    });

    watchRouter(
      router,
      transport.id,
      options.worker,
      {
        producer: (producer, transportId) => this.watchProducer(producer, transportId),
        routerClosed: () => void this.close(),
        workerClosed: (death) => this.fail(new MonitorError('WORKER_CLOSED', `mediasoup worker of router ${this.routerId} ${death ?? 'closed under the monitor'}`)),
      },
      this.listeners,
    );
    this.every(options.networkStatsIntervalMs ?? 1000, () => this.pollNetwork());
    const stallAfter = options.stallAfterMs ?? 5000;
    this.every(Math.min(1000, stallAfter / 2), () => this.checkStalls(stallAfter), stallAfter > 0);
    // last (it may fail the monitor at once): nothing can be scored any more (its thread died, or a shared
    // scoring was closed under the monitor): fail loudly rather than error every window from then on (a no-op
    // when the monitor closes it itself)
    this.listeners.add(scoring, scoring.onStopped((why) => this.fail(new MonitorError('MONITOR_FAILED', why))));
  }

  /** Smoothed score events of every stream. */
  get scores$(): Observable<ScoreEvent> {
    return this.scores.asObservable();
  }

  /** Latest state of every producer (closed ones once, with closed: true, then dropped). */
  get participants$(): Observable<ParticipantState[]> {
    return this.publisher.participants.asObservable();
  }

  /** Room aggregates, on every change. */
  get room$(): Observable<RoomQuality> {
    return this.publisher.room.asObservable();
  }

  /** Raised and cleared alerts (hysteresis and hold times from the `alert` option). */
  get alerts$(): Observable<MonitorAlert> {
    return this.alerts.asObservable();
  }

  /** Smoothed events of one producer; completes when it closes. Throws for a producer not monitored. */
  stream$(producerId: string): Observable<ScoreEvent> {
    const tap = this.taps.get(producerId);
    if (!tap) throw new MonitorError('PRODUCER_NOT_MONITORED', `producer ${producerId} is not a monitored audio producer of router ${this.routerId}`);
    return tap.events.asObservable();
  }

  /** Producer ids being monitored now. */
  get producerIds(): string[] {
    return [...this.taps.keys()];
  }

  /** State of every monitored producer now (fresh counters; participants$ emits on changes and events). */
  get currentParticipants(): ParticipantState[] {
    return [...this.taps.values()].map((t) => t.state(this.room, t.streamStats ?? emptyStreamStats()));
  }

  /** Counters since the attach over every producer (open and closed): dropped input, anomalies, faults. */
  get stats(): MonitorStats {
    const total = copyMonitorStats(this.retired);
    for (const tap of this.taps.values()) {
      if (tap.streamStats) addStreamStats(total, tap.streamStats);
      total.anomalies.stall += tap.stalls;
      if (tap.stalled) total.stalled++;
    }
    return total;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /**
   * Stops monitoring: every stream is flushed (its last windows scored), observables complete, the
   * DirectTransport and the model are released. The router is left as it was.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** Stops the monitor with an error: everything is flushed, then errors with `error`. */
  private fail(error: MonitorError): void {
    if (this.closing) return;
    this.failure = error;
    logger.error(`monitor of router ${this.routerId} failed: ${error.message}`, error);
    this.closing = this.shutdown();
  }

  private every(ms: number, run: () => void, enabled = ms > 0): void {
    if (!enabled) return;
    const timer = setInterval(run, ms);
    timer.unref?.();
    this.timers.push(timer);
  }

  private watchProducer(producer: Producer, transportId: string): void {
    if (this.closing || producer.kind !== 'audio') return;
    const codec = producer.rtpParameters.codecs[0]?.mimeType.toLowerCase();
    if (codec !== 'audio/opus') return; // only Opus is decoded; others are not monitored
    const tap = new ProducerTap(producer, transportId);
    this.taps.set(producer.id, tap);
    this.retired.producers++;
    watchProducer(
      producer,
      {
        pause: () => (tap.pause(), this.publishParticipants()),
        resume: () => (tap.resume(), this.publishParticipants()),
        close: () => void this.endTap(tap),
      },
      this.listeners,
    );
    this.publishParticipants();
    let rtpErrors = 0;
    tap
      .start(
        this.transport,
        this.router.rtpCapabilities,
        {
          pool: this.pool,
          jitter: this.options.jitter,
          vad: this.options.vad,
          speech: this.speech,
          maxSilenceFillMs: this.options.maxSilenceFillMs,
          maxLeadMs: this.options.maxLeadMs,
          ...(this.teachers ? this.teachers.hooksFor(producer.id, opusDecodeRateFor(this.pool.model.card.sampleRate)) : {}),
        },
        {
          onEvent: (event) => this.raw.next(event),
          onChange: () => this.publishParticipants(),
          onError: (err) => {
            this.retired.faults['rtp-handler']++;
            if (rtpErrors++ === 0) logger.error(`producer ${producer.id}: RTP handling failed (counted; later ones too): ${err.message}`, err);
          },
        },
      )
      .then(() => this.publishParticipants())
      .catch((err: unknown) => {
        // This producer cannot be monitored (e.g. the transport closed under us): the others go on.
        this.retired.faults['tap-failed']++;
        logger.warn(`producer ${producer.id} cannot be monitored: ${err instanceof Error ? err.message : String(err)}`);
        this.listeners.remove(producer);
        tap.abort(err instanceof Error ? err : new Error(String(err)));
        this.teachers?.drop(producer.id);
        this.taps.delete(producer.id);
        this.retire(tap);
        this.publishParticipants();
      });
  }

  /** Ends a tap once (its producer closed, or the monitor stops): flush, clear its alert, report it closed. */
  private endTap(tap: ProducerTap): Promise<void> {
    return (tap.finished ??= this.finishTap(tap));
  }

  private async finishTap(tap: ProducerTap): Promise<void> {
    const monitorStopping = this.closing !== undefined; // else its producer closed
    this.listeners.remove(tap.producer);
    await tap.end(); // its last windows go through raw -> scores before this resolves
    if (tap.alerting) {
      // a worker that dies closes the producers first: by the time their streams are flushed, `failure` says so
      const why = this.failure ? `monitoring stopped: ${this.failure.message}` : monitorStopping ? 'monitoring stopped' : 'producer closed';
      const cleared = tap.clearAlert(this.room, why);
      if (cleared) this.alerts.next(cleared);
    }
    this.teachers?.drop(tap.producerId);
    this.taps.delete(tap.producerId);
    this.retire(tap);
    tap.settled = true;
    this.publishParticipants([tap]);
    this.forget.next(tap.producerId);
    if (this.failure) tap.events.error(this.failure);
    else tap.events.complete();
  }

  /** Adds a tap's counters to the retired ones (once). */
  private retire(tap: ProducerTap): void {
    if (tap.retired) return;
    tap.retired = true;
    if (tap.streamStats) addStreamStats(this.retired, tap.streamStats);
    this.retired.anomalies.stall += tap.stalls;
  }

  private onSmoothed(event: ScoreEvent): void {
    const tap = this.taps.get(event.streamId);
    if (!tap) return;
    tap.last = event;
    tap.events.next(event);
    this.scores.next(event);
    if (!this.closing) this.publisher.soon();
  }

  private pollNetwork(): void {
    for (const tap of this.taps.values()) {
      // counted; a producer closing between the check and getStats() rejects too: the next poll tries again
      void tap.pollNetwork().catch((err: unknown) => {
        this.retired.faults['stats-poll']++;
        logger.debug(`producer ${tap.producerId}: no network stats this time: ${String(err)}`);
      });
    }
  }

  private checkStalls(afterMs: number): void {
    const now = Date.now();
    let changed = false;
    for (const tap of this.taps.values()) changed = tap.checkStall(now, afterMs) || changed;
    if (changed) this.publishParticipants();
  }

  private publishParticipants(alsoClosed: ProducerTap[] = []): void {
    this.publisher.now(alsoClosed);
  }

  private snapshot(alsoClosed: readonly ProducerTap[]): ParticipantState[] {
    const states = [...this.taps.values()].map((t) => t.state(this.room, t.streamStats ?? emptyStreamStats()));
    for (const t of alsoClosed) if (!this.taps.has(t.producerId)) states.push(t.state(this.room, t.streamStats ?? emptyStreamStats()));
    return states;
  }

  /** Flushes every stream, then completes (close) or errors (the worker died) every observable. */
  private async shutdown(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    this.listeners.removeAll();
    await Promise.all([...this.taps.values()].map((tap) => this.endTap(tap)));
    this.publisher.cancel();
    const error = this.failure;
    for (const subject of [this.raw, this.scores, this.alerts, this.publisher.participants, this.publisher.room]) {
      if (error) (subject as Subject<unknown>).error(error);
      else subject.complete();
    }
    this.forget.complete();
    if (!this.transport.closed) this.transport.close();
    // a shared scoring goes on for the other monitors (this one's streams are flushed and forgotten above)
    if (this.ownsScoring) await this.scoring.close();
    await this.teachers?.release();
  }
}

export type { AppData };
