/**
 * One monitored MediaStreamTrack (the local microphone or a remote participant's track): the audio
 * graph that taps it, its scores as observables, its network MOS when a peer connection is given, and
 * its lifecycle as typed events.
 *
 *   track -> MediaStreamAudioSourceNode -> AudioWorkletNode (tap) ==frames==> worker ==ScoreEvents==> here
 *
 * Scores carry core's smoothing (emaMos, band with hysteresis, one QualityAggregator per track) and the
 * latest network MOS. A track that ends, or stop(), flushes the last windows, emits 'ended' and completes
 * every observable; the page goes on.
 */
import { Logger, QualityAggregator, type NetworkQuality, type QualityAggregatorConfig, type QualityBand, type ScoreEvent } from '@callmos/core';
import { BehaviorSubject, distinctUntilChanged, filter, type Observable, ReplaySubject, Subject, type Subscription } from 'rxjs';
import { networkQuality$ } from '../network/network-monitor.js';
import { createFrameRing } from '../transport/frame-ring.js';
import { TAP_PROCESSOR_NAME, type TapOptions, type TrackStats, type TransportKind } from '../transport/protocol.js';
import { MonitorSetupError, TrackMonitorError } from './errors.js';
import type { TrackSink, WorkerClient } from './worker-client.js';

const logger = new Logger('client:track-monitor');

export interface MonitorTrackOptions {
  /** streamId of the score events; default the track's id */
  id?: string;
  /** for people: shown by the badge's tooltip */
  label?: string;
  /** the connection the track is sent or received on: adds network MOS (E-model over getStats) */
  peerConnection?: RTCPeerConnection;
  /** getStats() interval, ms; default 2000 */
  statsIntervalMs?: number;
  /** keep the first N seconds of the 16 kHz audio that was scored, for capturedAudio() (diagnostics); default 0 */
  captureSeconds?: number;
}

export type TrackEndReason = 'track-ended' | 'stopped' | 'monitor-closed';

export type TrackMonitorEvent =
  | { type: 'started'; trackId: string; sampleRate: number; transport: TransportKind }
  | { type: 'ended'; trackId: string; reason: TrackEndReason }
  | { type: 'error'; trackId: string; error: Error };

/** What a TrackMonitor needs from its QualityMonitor (kept narrow so the two stay decoupled). */
export interface TrackMonitorHost {
  context: AudioContext;
  worker: WorkerClient;
  transport: TransportKind;
  quality?: QualityAggregatorConfig;
  maxPendingWindows: number;
  vad?: import('@callmos/core').VadOptions;
  onScore(event: ScoreEvent): void;
  onEvent(event: TrackMonitorEvent): void;
  onClosed(monitor: TrackMonitor): void;
}

/** Ring of 5.12 s of audio (a power of two of frames): the worker may be busy in one model run for far less than that. */
const RING_FRAMES = 512;
const FRAMES_PER_MESSAGE = 4;
/** How often readyState is checked: track.stop() by the app ends a track without an 'ended' event. */
const READY_STATE_POLL_MS = 500;

export class TrackMonitor {
  readonly id: string;
  readonly label: string;
  readonly track: MediaStreamTrack;
  /** every window's ScoreEvent, with emaMos / band once a window was scored and `network` when known */
  readonly scores$: Observable<ScoreEvent>;
  /** good / fair / poor, with hysteresis; emits the current band to new subscribers */
  readonly band$: Observable<QualityBand>;
  /** E-model network MOS from getStats(), when a peer connection was given */
  readonly network$: Observable<NetworkQuality>;
  /** lifecycle: started, ended (why), errors */
  readonly events$: Observable<TrackMonitorEvent>;

  private readonly host: TrackMonitorHost;
  private readonly scoresSubject = new Subject<ScoreEvent>();
  private readonly bandSubject = new BehaviorSubject<QualityBand | undefined>(undefined);
  private readonly networkSubject = new ReplaySubject<NetworkQuality>(1);
  private readonly eventsSubject = new ReplaySubject<TrackMonitorEvent>(8);
  private readonly aggregator: QualityAggregator;
  private readonly subscriptions: Subscription[] = [];
  private source: MediaStreamAudioSourceNode | null = null;
  private keepAlive: HTMLAudioElement | null = null;
  private finalStats: TrackStats | null = null;
  private tap: AudioWorkletNode | null = null;
  private latestNetwork: NetworkQuality | undefined;
  private latestScore: ScoreEvent | undefined;
  private endReason: TrackEndReason | null = null;
  private closed = false;
  private readonly onTrackEnded = () => this.finish('track-ended');
  private resolveClosed!: () => void;
  /** resolves once monitoring has ended and the last events are out */
  readonly whenClosed: Promise<void> = new Promise((resolve) => (this.resolveClosed = resolve));
  private readyStateTimer: ReturnType<typeof setInterval> | null = null;

  constructor(track: MediaStreamTrack, options: MonitorTrackOptions, host: TrackMonitorHost) {
    if (track.kind !== 'audio') throw new TypeError(`monitorTrack needs an audio track, got a ${track.kind} track`);
    this.track = track;
    this.id = options.id ?? track.id;
    this.label = options.label ?? (track.label || this.id);
    this.host = host;
    this.aggregator = new QualityAggregator(host.quality);
    this.scores$ = this.scoresSubject.asObservable();
    this.band$ = this.bandSubject.pipe(
      filter((b): b is QualityBand => b !== undefined),
      distinctUntilChanged(),
    );
    this.network$ = this.networkSubject.asObservable();
    this.events$ = this.eventsSubject.asObservable();

    if (options.peerConnection) {
      this.subscriptions.push(
        networkQuality$(options.peerConnection, track.id, { intervalMs: options.statsIntervalMs }).subscribe((n) => {
          this.latestNetwork = n;
          this.networkSubject.next(n);
        }),
      );
    }
    this.start(options);
  }

  /** The latest event (with emaMos / band), for a view bound after scoring began. */
  get latest(): ScoreEvent | undefined {
    return this.latestScore;
  }

  get band(): QualityBand | undefined {
    return this.bandSubject.value;
  }

  /** Why monitoring ended, or null while it runs. */
  get ended(): TrackEndReason | null {
    return this.endReason;
  }

  /** Compute spent on this track in the worker, audio received, windows scored / skipped (final numbers once ended). */
  async stats(): Promise<TrackStats | null> {
    return this.closed ? this.finalStats : this.host.worker.stats(this.id);
  }

  /** The first `captureSeconds` of the 16 kHz audio that was scored (null unless asked for). */
  async capturedAudio(): Promise<Float32Array | null> {
    return this.closed ? null : this.host.worker.capture(this.id);
  }

  /** Stops monitoring (the track itself is left alone): last windows flushed, then 'ended' with reason 'stopped'. */
  stop(): void {
    this.finish('stopped');
  }

  /** @internal the QualityMonitor closing */
  shutdown(): void {
    this.finish('monitor-closed');
  }

  private start(options: MonitorTrackOptions): void {
    const { context, worker, transport } = this.host;
    const ring = transport === 'shared-ring' ? createFrameRing(RING_FRAMES) : undefined;
    const tapOptions: TapOptions = {
      transport,
      ...(ring ? { ring } : {}),
      framesPerMessage: FRAMES_PER_MESSAGE,
      maxInFlightFrames: RING_FRAMES,
    };
    try {
      this.source = new MediaStreamAudioSourceNode(context, { mediaStream: new MediaStream([this.track]) });
      this.tap = new AudioWorkletNode(context, TAP_PROCESSOR_NAME, {
        numberOfInputs: 1,
        numberOfOutputs: 0,
        processorOptions: tapOptions,
      });
      this.source.connect(this.tap);
      this.keepAlive = playMuted(this.track);
    } catch (err) {
      this.fail(new MonitorSetupError(`cannot tap track ${this.id}: ${(err as Error).message}`));
      return;
    }
    const sink: TrackSink = {
      onScores: (events) => events.forEach((e) => this.emitScore(e)),
      onEnded: (finalStats) => {
        this.finalStats = finalStats;
        this.close();
      },
      onError: (error) => this.emitEvent({ type: 'error', trackId: this.id, error: new TrackMonitorError(this.id, error.message, { cause: error }) }),
    };
    worker.attach(this.id, sink);
    const channel = new MessageChannel();
    this.tap.port.postMessage({ type: 'connect', port: channel.port1 }, [channel.port1]);
    worker.post(
      {
        type: 'track-open',
        trackId: this.id,
        streamId: this.id,
        transport,
        port: channel.port2,
        ...(ring ? { ring } : {}),
        ...(this.host.vad ? { vad: this.host.vad } : {}),
        maxPendingWindows: this.host.maxPendingWindows,
        captureSeconds: options.captureSeconds ?? 0,
      },
      [channel.port2],
    );
    this.emitEvent({ type: 'started', trackId: this.id, sampleRate: context.sampleRate, transport });
    this.track.addEventListener('ended', this.onTrackEnded);
    this.readyStateTimer = setInterval(() => {
      if (this.track.readyState === 'ended') this.finish('track-ended');
    }, READY_STATE_POLL_MS);
    if (this.track.readyState === 'ended') this.finish('track-ended');
  }

  private emitScore(raw: ScoreEvent): void {
    const withNetwork = this.latestNetwork ? { ...raw, network: this.latestNetwork } : raw;
    const event = this.aggregator.update(withNetwork);
    this.latestScore = event;
    this.scoresSubject.next(event);
    this.host.onScore(event);
    if (event.band !== undefined && event.band !== this.bandSubject.value) this.bandSubject.next(event.band);
  }

  private emitEvent(event: TrackMonitorEvent): void {
    this.eventsSubject.next(event);
    this.host.onEvent(event);
  }

  private fail(error: Error): void {
    this.emitEvent({ type: 'error', trackId: this.id, error });
    this.endReason = 'stopped';
    this.close();
  }

  /** Disconnects the tap and asks the worker for the last windows; close() follows when they are in. */
  private finish(reason: TrackEndReason): void {
    if (this.endReason !== null) return;
    this.endReason = reason;
    this.teardownAudio();
    this.host.worker.post({ type: 'track-end', trackId: this.id });
  }

  private teardownAudio(): void {
    this.track.removeEventListener('ended', this.onTrackEnded);
    if (this.readyStateTimer !== null) clearInterval(this.readyStateTimer);
    this.readyStateTimer = null;
    this.tap?.port.postMessage({ type: 'stop' });
    if (this.keepAlive) this.keepAlive.srcObject = null;
    this.keepAlive = null;
    this.source?.disconnect();
    this.tap?.disconnect();
    this.source = null;
    this.tap = null;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.teardownAudio();
    this.host.worker.detach(this.id);
    for (const s of this.subscriptions) s.unsubscribe();
    this.emitEvent({ type: 'ended', trackId: this.id, reason: this.endReason ?? 'stopped' });
    this.scoresSubject.complete();
    this.bandSubject.complete();
    this.networkSubject.complete();
    this.eventsSubject.complete();
    this.host.onClosed(this);
    this.resolveClosed();
  }

  /** @internal the worker died: nothing more will come for this track */
  abandon(error: Error): void {
    this.emitEvent({ type: 'error', trackId: this.id, error });
    this.endReason ??= 'stopped';
    this.close();
  }
}

/**
 * Chromium delivers a remote WebRTC track's audio to Web Audio only while the track is also played by a
 * media element (crbug.com/933677), so every tapped track gets a muted, unattached <audio>. It is silent
 * and costs nothing for local tracks, and the monitor cannot always tell local from remote.
 */
function playMuted(track: MediaStreamTrack): HTMLAudioElement | null {
  if (typeof Audio === 'undefined') return null;
  const audio = new Audio();
  audio.muted = true;
  audio.srcObject = new MediaStream([track]);
  void audio.play().catch((err: unknown) => logger.warn(`cannot play track ${track.id} (muted) in an <audio>: ${String(err)}; a remote track may then deliver no audio to the monitor`));
  return audio;
}
