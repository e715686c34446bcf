/**
 * attachQualityMonitor(router): live speech quality for every audio producer of a mediasoup Router.
 *
 * Watches router.observer 'newtransport' -> transport.observer 'newproducer'; each Opus producer is
 * consumed through one DirectTransport owned by the monitor (RTP arrives in this process as Buffers:
 * no sockets, ports or extra copies; a PlainTransport to a local socket would add a UDP hop and a port
 * per stream for nothing). Windows of all streams share one TeacherPool (one batched model run).
 *
 * Observables are hot. scores$ / stream$ carry smoothed events (emaMos, band); stream$(id) completes
 * when its producer closes, after the producer's last windows. Everything completes on close() or when
 * the router closes, and errors (MonitorError) when the worker dies under the monitor.
 */
import type { AppData, DirectTransport, Producer, Router, Transport, Worker } from 'mediasoup/types';
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import {
  degradedFor,
  withQuality,
  type DegradedForOptions,
  type QualityAggregatorConfig,
  type ScoreEvent,
  type SileroVad,
  type VadOptions,
} from '@callmos/core';
import { defaultModel, loadModelWithDetails, loadSpeechDetector, type ExecutionProviderName, type ProviderPreference } from '@callmos/node';
import { TeacherPool, type TeacherPoolOptions } from '../pool/teacher-pool.js';
import type { JitterBufferOptions } from '../rtp/jitter-buffer.js';
import { emptyStreamStats } from '../audio/audio-stream.js';
import { ProducerTap } from './producer-tap.js';
import { roomQuality } from './room-quality.js';
import type { MonitorAlert, ParticipantState, RoomQuality } from './types.js';
import { ExternalTeachers, type ExternalTeachersOptions } from '../teachers/external-teachers.js';

export interface QualityMonitorOptions extends TeacherPoolOptions {
  /** shipped model name or model path; default the largest shipped model */
  model?: string;
  modelsDir?: string;
  /** execution provider: 'auto' (CUDA when usable, else CPU), 'cpu' or 'cuda'; default 'auto' */
  provider?: ProviderPreference;
  intraOpThreads?: number;
  /** room name carried by participants, alerts and room$; default router.appData.room, else the router id */
  room?: string;
  jitter?: JitterBufferOptions;
  vad?: VadOptions;
  /**
   * 'silero' (default): a window is scored only when the energy gate and the Silero speech detector both
   * find speech in it (a fan, a tone or hold music is not bad quality); 'energy': the energy gate alone
   */
  speechDetector?: 'silero' | 'energy';
  maxSilenceFillMs?: number;
  /** EMA and band thresholds */
  quality?: QualityAggregatorConfig;
  /** alert rule; default band poor for 5 s (raise) and recovered for 5 s (clear) */
  alert?: DegradedForOptions;
  /** how often the producers' RTP stats are polled for network MOS, ms; default 1000, 0 = never */
  networkStatsIntervalMs?: number;
  /** external teachers (DNSMOS P.835, PLCMOS v2) by file path; their scores go into event.extra */
  teachers?: ExternalTeachersOptions;
  /**
   * the router's worker: lets the monitor tell a deliberate worker.close() (observables complete) from a
   * worker that died (they error). Without it, any worker close under the monitor is an error.
   */
  worker?: Worker;
  /** where the start-up line (model, execution provider) goes; default console.info */
  log?: (line: string) => void;
}

/** What runs the teacher, reported at start. */
export interface MonitorBackend {
  model: string;
  modelPath: string;
  provider: ExecutionProviderName;
  fallbackReason?: string;
  batchSize: number;
  maxWaitMs: number;
  /** external teachers loaded ('dnsmos', 'plcmos') */
  teachers: string[];
  /** the speech detector's id, or 'energy gate' when windows are gated by energy alone */
  speechDetector: string;
}

export class MonitorError extends Error {
  override readonly name = 'MonitorError';
}

export async function attachQualityMonitor(router: Router, options: QualityMonitorOptions = {}): Promise<QualityMonitor> {
  if (router.closed) throw new MonitorError(`router ${router.id} is closed`);
  const batchSize = options.batchSize ?? 16;
  // Load before touching the router: a bad model path fails the attach with ModelLoadError and no side effects.
  const loaded = await loadModelWithDetails(options.model ?? defaultModel, {
    modelsDir: options.modelsDir,
    provider: options.provider,
    intraOpThreads: options.intraOpThreads,
    maxBatch: batchSize,
  });
  let teachers: ExternalTeachers | undefined;
  let speech: SileroVad | undefined;
  let transport: DirectTransport;
  try {
    speech = (options.speechDetector ?? 'silero') === 'silero' ? await loadSpeechDetector() : undefined;
    teachers = options.teachers ? await ExternalTeachers.load(options.teachers, { provider: options.provider, intraOpThreads: options.intraOpThreads }) : undefined;
    transport = await router.createDirectTransport({ appData: { callmosMonitor: true } });
  } catch (err) {
    await loaded.model.release().catch(() => undefined);
    await speech?.release().catch(() => undefined);
    await teachers?.release();
    throw err;
  }
  const pool = new TeacherPool(loaded.model, { ...options, batchSize });
  const backend: MonitorBackend = {
    model: loaded.model.id,
    modelPath: loaded.files.onnxPath,
    provider: loaded.provider,
    ...(loaded.fallbackReason ? { fallbackReason: loaded.fallbackReason } : {}),
    batchSize: pool.batchSize,
    maxWaitMs: pool.maxWaitMs,
    teachers: teachers?.names ?? [],
    speechDetector: speech ? speech.id : 'energy gate',
  };
  (options.log ?? console.info)(
    `callmos: monitoring router ${router.id} with ${backend.model} on ${backend.provider.toUpperCase()}` +
      (backend.fallbackReason ? ` (${backend.fallbackReason})` : '') +
      `, batch ${backend.batchSize}, max wait ${backend.maxWaitMs} ms, speech: ${speech ? `energy gate + ${speech.id}` : 'energy gate'}` +
      (backend.teachers.length ? `, external teachers: ${backend.teachers.join(', ')}` : ''),
  );
  return new QualityMonitor(router, transport, pool, backend, options, teachers, speech);
}

export class QualityMonitor {
  readonly room: string;
  readonly routerId: string;
  private readonly taps = new Map<string, ProducerTap>();
  private readonly raw = new Subject<ScoreEvent>();
  private readonly scores = new Subject<ScoreEvent>();
  private readonly alerts = new Subject<MonitorAlert>();
  private readonly participants: BehaviorSubject<ParticipantState[]>;
  private readonly roomState: BehaviorSubject<RoomQuality>;
  private readonly detach: Array<() => void> = [];
  private readonly statsTimer: ReturnType<typeof setInterval> | undefined;
  private closing: Promise<void> | undefined;
  private failed = false;

  /** @internal use attachQualityMonitor */
  constructor(
    readonly router: Router,
    private readonly transport: DirectTransport,
    readonly pool: TeacherPool,
    readonly backend: MonitorBackend,
    private readonly options: QualityMonitorOptions,
    private readonly teachers: ExternalTeachers | undefined,
    private readonly speech: SileroVad | undefined = undefined,
  ) {
    this.routerId = router.id;
    this.room = options.room ?? (typeof router.appData.room === 'string' ? router.appData.room : router.id);
    this.participants = new BehaviorSubject<ParticipantState[]>([]);
    this.roomState = new BehaviorSubject(roomQuality(this.room, [], Date.now()));

    // One shared smoothing and alerting pipeline (withQuality/degradedFor keep per-subscription state).
    // (Their errors are the monitor's own, already sent to every public observable: no handler needed here.)
    this.raw.pipe(withQuality(options.quality)).subscribe({ next: (event) => this.onSmoothed(event), error: () => undefined });
    this.scores.pipe(degradedFor(options.alert ?? { seconds: 5, band: 'poor' })).subscribe({
      next: (alert) => {
        const tap = this.taps.get(alert.streamId);
        if (!tap) return;
        tap.alerting = alert.kind === 'raised';
        this.alerts.next({ ...alert, producerId: tap.producerId, room: this.room, appData: tap.appData });
        this.publishParticipants();
      },
      error: () => undefined,
    });

    this.watchRouter();
    const interval = options.networkStatsIntervalMs ?? 1000;
    if (interval > 0) {
      this.statsTimer = setInterval(() => this.pollNetwork(), interval);
      this.statsTimer.unref?.();
    }
  }

  /** Smoothed score events of every stream. */
  get scores$(): Observable<ScoreEvent> {
    return this.scores.asObservable();
  }

  /** Latest state of every producer (closed ones once, with closed: true, then dropped). */
  get participants$(): Observable<ParticipantState[]> {
    return this.participants.asObservable();
  }

  /** Room aggregates, on every change. */
  get room$(): Observable<RoomQuality> {
    return this.roomState.asObservable();
  }

  /** Raised and cleared alerts (hysteresis and hold times from the `alert` option). */
  get alerts$(): Observable<MonitorAlert> {
    return this.alerts.asObservable();
  }

  /** Smoothed events of one producer; completes when it closes. Throws for a producer not monitored. */
  stream$(producerId: string): Observable<ScoreEvent> {
    const tap = this.taps.get(producerId);
    if (!tap) throw new MonitorError(`producer ${producerId} is not a monitored audio producer of router ${this.routerId}`);
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

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /**
   * Stops monitoring: every stream is flushed (its last windows scored), observables complete, the
   * DirectTransport and the model are released. The router is left as it was.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown(undefined);
    return this.closing;
  }

  private watchRouter(): void {
    const onTransport = (transport: Transport) => this.watchTransport(transport);
    const onRouterClose = () => void this.close();
    const onWorkerClose = () => {
      const worker = this.options.worker;
      if (worker && !worker.died) return void this.close();
      const why = worker ? `died (pid ${worker.pid})` : 'closed under the monitor';
      this.closing ??= this.shutdown(new MonitorError(`mediasoup worker of router ${this.routerId} ${why}`));
    };
    this.router.observer.on('newtransport', onTransport);
    this.router.observer.on('close', onRouterClose);
    this.router.on('workerclose', onWorkerClose);
    this.detach.push(() => {
      this.router.observer.off('newtransport', onTransport);
      this.router.observer.off('close', onRouterClose);
      this.router.off('workerclose', onWorkerClose);
    });
    // Transports made before the attach (their producers are not announced again) are not reachable
    // from the Router's public API: attach before creating transports.
  }

  private watchTransport(transport: Transport): void {
    if (transport.id === this.transport.id) return;
    const onProducer = (producer: Producer) => this.watchProducer(producer, transport.id);
    transport.observer.on('newproducer', onProducer);
    this.detach.push(() => transport.observer.off('newproducer', onProducer));
  }

  private watchProducer(producer: Producer, transportId: string): void {
    if (this.closing || producer.kind !== 'audio') return;
    const codec = producer.rtpParameters.codecs[0]?.mimeType.toLowerCase();
    if (codec !== 'audio/opus') return; // only Opus is decoded; others are not monitored
    const tap = new ProducerTap(producer, transportId);
    this.taps.set(producer.id, tap);
    const onPause = () => (tap.pause(), this.publishParticipants());
    const onResume = () => (tap.resume(), this.publishParticipants());
    const onClose = () => void this.endTap(tap);
    producer.observer.on('pause', onPause);
    producer.observer.on('resume', onResume);
    producer.observer.on('close', onClose);
    this.detach.push(() => {
      producer.observer.off('pause', onPause);
      producer.observer.off('resume', onResume);
      producer.observer.off('close', onClose);
    });
    this.publishParticipants();
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
          ...(this.teachers ? this.teachers.hooksFor(producer.id) : {}),
        },
        (event) => this.raw.next(event),
      )
      .then(() => this.publishParticipants())
      .catch((err: unknown) => {
        // This producer cannot be monitored (e.g. the transport closed under us): the others go on.
        tap.abort(err instanceof Error ? err : new Error(String(err)));
        this.taps.delete(producer.id);
        this.publishParticipants();
      });
  }

  private async endTap(tap: ProducerTap): Promise<void> {
    if (this.failed) return;
    await tap.end();
    if (this.failed || !this.taps.has(tap.producerId)) return;
    this.teachers?.drop(tap.producerId);
    this.taps.delete(tap.producerId);
    this.publishParticipants([tap]);
    tap.events.complete();
  }

  private onSmoothed(event: ScoreEvent): void {
    const tap = this.taps.get(event.streamId);
    if (!tap) return;
    tap.last = event;
    tap.events.next(event);
    this.scores.next(event);
    this.publishParticipants();
  }

  private pollNetwork(): void {
    for (const tap of this.taps.values()) void tap.pollNetwork().catch(() => undefined);
  }

  private publishParticipants(alsoClosed: ProducerTap[] = []): void {
    if (this.failed) return;
    const states = [...this.taps.values()].map((t) => t.state(this.room, t.streamStats ?? emptyStreamStats()));
    for (const t of alsoClosed) if (!this.taps.has(t.producerId)) states.push(t.state(this.room, t.streamStats ?? emptyStreamStats()));
    this.participants.next(states);
    this.roomState.next(roomQuality(this.room, states, Date.now()));
  }

  private async shutdown(error: MonitorError | undefined): Promise<void> {
    clearInterval(this.statsTimer);
    for (const off of this.detach.splice(0)) off();
    const taps = [...this.taps.values()];
    if (error) {
      this.failed = true;
      this.pool.close();
      for (const tap of taps) tap.abort(error);
      this.raw.error(error);
      this.scores.error(error);
      this.alerts.error(error);
      this.participants.error(error);
      this.roomState.error(error);
    } else {
      await Promise.all(taps.map((tap) => this.endTap(tap)));
      this.pool.close();
      this.raw.complete();
      this.scores.complete();
      this.alerts.complete();
      this.participants.complete();
      this.roomState.complete();
      if (!this.transport.closed) this.transport.close();
    }
    this.taps.clear();
    await this.pool.model.release().catch(() => undefined);
    await this.speech?.release().catch(() => undefined);
    await this.teachers?.release();
  }
}

export type { AppData };
