/**
 * The entry point: `const monitor = await createQualityMonitor({ model })`, then
 * `monitor.monitorTrack(track, { id, label })` for each track to score. One inference worker and one
 * model per monitor; one AudioContext (the app's, or one of its own) hosts the taps.
 */
import type { ModelCard, QualityAggregatorConfig, ScoreEvent, VadOptions } from '@callmos/core';
import { Logger, resolveQualityConfig } from '@callmos/core';
import { type Observable, Subject } from 'rxjs';
import { TAP_PROCESSOR_NAME, type BackendInfo, type TransportKind } from '../transport/protocol.js';
import { resolveAssets } from './assets.js';
import { MonitorSetupError } from './errors.js';
import { resolveModelUrls, type ModelSource } from './model-source.js';
import { TrackMonitor, type MonitorTrackOptions, type TrackMonitorEvent } from './track-monitor.js';
import { WorkerClient } from './worker-client.js';

const logger = new Logger('client:quality-monitor');

export interface QualityMonitorOptions {
  /**
   * URL of a model directory (card.json, model.onnx and the streaming pair its card names), or { onnx, card }
   * URLs ({ onnx, card, front, back } with the pair); same origin or CORS-enabled
   */
  model: ModelSource;
  /** where inference-worker.js, tap-worklet.js and ort/ are served; default: beside this module */
  assetsBaseUrl?: string | URL;
  /** the app's AudioContext; default: one of the monitor's own (closed by close()) */
  audioContext?: AudioContext;
  /** band thresholds and smoothing (core's QualityAggregator) */
  quality?: QualityAggregatorConfig;
  vad?: VadOptions;
  /**
   * 'silero' (default): a window is scored only when the energy gate and the Silero speech detector both
   * find speech in it (a fan, a tone or hold music is not bad quality); 'energy': the energy gate alone
   */
  speechDetector?: 'silero' | 'energy';
  /** windows waiting for inference before the oldest are skipped (counted in events); default 2 */
  maxPendingWindows?: number;
  /** default 'auto': a SharedArrayBuffer ring when the page is crossOriginIsolated, else transferable messages */
  transport?: 'auto' | TransportKind;
  /** onnxruntime-web wasm threads; default 1, or up to 4 when crossOriginIsolated */
  numThreads?: number;
}

export class QualityMonitor {
  /** `name@version` of the loaded model */
  readonly modelId: string;
  readonly card: ModelCard;
  readonly backend: BackendInfo;
  readonly transport: TransportKind;
  readonly context: AudioContext;
  /** every monitored track's score events, merged */
  readonly scores$: Observable<ScoreEvent>;
  /** every monitored track's lifecycle events, merged */
  readonly events$: Observable<TrackMonitorEvent>;

  private readonly worker: WorkerClient;
  private readonly ownsContext: boolean;
  private readonly options: QualityMonitorOptions;
  private readonly scoresSubject = new Subject<ScoreEvent>();
  private readonly eventsSubject = new Subject<TrackMonitorEvent>();
  private readonly monitors = new Map<string, TrackMonitor>();
  private closed = false;

  /** @internal use createQualityMonitor() */
  constructor(parts: {
    worker: WorkerClient;
    modelId: string;
    card: ModelCard;
    backend: BackendInfo;
    transport: TransportKind;
    context: AudioContext;
    ownsContext: boolean;
    options: QualityMonitorOptions;
  }) {
    this.worker = parts.worker;
    this.modelId = parts.modelId;
    this.card = parts.card;
    this.backend = parts.backend;
    this.transport = parts.transport;
    this.context = parts.context;
    this.ownsContext = parts.ownsContext;
    this.options = parts.options;
    this.scores$ = this.scoresSubject.asObservable();
    this.events$ = this.eventsSubject.asObservable();
    this.worker.onCrash((error) => {
      for (const m of [...this.monitors.values()]) m.abandon(error);
    });
  }

  /** Monitors tracks being scored now, by id. */
  get tracks(): ReadonlyMap<string, TrackMonitor> {
    return this.monitors;
  }

  /** Starts scoring `track`. Ids must be unique among the tracks monitored at the same time. */
  monitorTrack(track: MediaStreamTrack, options: MonitorTrackOptions = {}): TrackMonitor {
    if (this.closed) throw new Error('QualityMonitor is closed');
    const id = options.id ?? track.id;
    if (this.monitors.has(id)) throw new Error(`a track with id "${id}" is already monitored`);
    resumeWhenAllowed(this.context);
    const monitor = new TrackMonitor(track, { ...options, id }, {
      context: this.context,
      worker: this.worker,
      transport: this.transport,
      quality: this.options.quality,
      vad: this.options.vad,
      maxPendingWindows: this.options.maxPendingWindows ?? 2,
      onScore: (e) => this.scoresSubject.next(e),
      onEvent: (e) => this.eventsSubject.next(e),
      onClosed: (m) => {
        if (this.monitors.get(m.id) === m) this.monitors.delete(m.id);
      },
    });
    if (monitor.ended === null) this.monitors.set(id, monitor);
    return monitor;
  }

  /** Stops every track, the worker and (when it is the monitor's own) the AudioContext. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const tracks = [...this.monitors.values()];
    for (const m of tracks) m.shutdown();
    // Let the worker flush the tracks' last windows before it goes (bounded: a stuck worker must not hang close()).
    await Promise.race([Promise.all(tracks.map((m) => m.whenClosed)), new Promise((r) => setTimeout(r, 2000))]);
    this.worker.terminate();
    this.scoresSubject.complete();
    this.eventsSubject.complete();
    if (this.ownsContext) await this.context.close().catch((err: unknown) => logger.debug(`closing the monitor's AudioContext failed: ${String(err)}`));
  }
}

/** Loads the model in a fresh inference worker and prepares the audio tap. Rejects with a typed error. */
export async function createQualityMonitor(options: QualityMonitorOptions): Promise<QualityMonitor> {
  if (typeof Worker === 'undefined' || typeof AudioWorkletNode === 'undefined' || typeof WebAssembly === 'undefined') {
    throw new MonitorSetupError('this browser lacks Worker, AudioWorklet or WebAssembly, which @callmos/client needs');
  }
  const maxPendingWindows = options.maxPendingWindows ?? 2;
  if (!(maxPendingWindows >= 1)) throw new RangeError(`maxPendingWindows must be >= 1, got ${options.maxPendingWindows}`);
  resolveQualityConfig(options.quality); // a bad config fails here, not at the first score
  const assets = resolveAssets(options.assetsBaseUrl);
  const { onnxUrl, cardUrl, streaming } = resolveModelUrls(options.model);
  const isolated = globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer !== 'undefined';
  const transport: TransportKind = options.transport && options.transport !== 'auto' ? options.transport : isolated ? 'shared-ring' : 'messages';
  if (transport === 'shared-ring' && !isolated) {
    throw new MonitorSetupError('transport "shared-ring" needs a crossOriginIsolated page (COOP + COEP headers)');
  }
  const numThreads = options.numThreads ?? (isolated ? Math.min(4, Math.max(1, Math.floor((navigator.hardwareConcurrency ?? 2) / 2))) : 1);
  if (numThreads > 1 && !isolated) throw new MonitorSetupError('numThreads > 1 needs a crossOriginIsolated page (COOP + COEP headers)');

  const context = options.audioContext ?? new AudioContext({ latencyHint: 'playback' });
  const ownsContext = options.audioContext === undefined;
  try {
    const [{ client, ...loaded }] = await Promise.all([
      WorkerClient.start(assets.worker, {
        onnxUrl,
        cardUrl,
        streaming,
        ort: { mjs: assets.ortMjs, wasm: assets.ortWasm },
        numThreads,
        maxBatch: 4,
        ...((options.speechDetector ?? 'silero') === 'silero' ? { speechDetectorUrl: assets.speechDetector } : {}),
      }),
      addTapModule(context, assets.worklet),
    ]);
    return new QualityMonitor({ ...loaded, worker: client, transport, context, ownsContext, options: { ...options, maxPendingWindows } });
  } catch (err) {
    // Best-effort cleanup: the error that made the setup fail is the one to report.
    if (ownsContext) await context.close().catch((err: unknown) => logger.debug(`closing the AudioContext after a failed setup failed: ${String(err)}`));
    throw err;
  }
}

const tapModules = new WeakMap<BaseAudioContext, Promise<void>>();

/** addModule once per context (a second registration of the processor name would throw). */
function addTapModule(context: AudioContext, url: string): Promise<void> {
  let added = tapModules.get(context);
  if (!added) {
    added = context.audioWorklet.addModule(url).catch((err: Error) => {
      tapModules.delete(context);
      throw new MonitorSetupError(`cannot load the audio tap ${url} (${TAP_PROCESSOR_NAME}): ${err.message}`);
    });
    tapModules.set(context, added);
  }
  return added;
}

/**
 * Browsers start an AudioContext suspended until the user interacts with the page (or capture is active);
 * resume now if allowed, else at the first interaction. Taps produce nothing while suspended.
 */
function resumeWhenAllowed(context: AudioContext): void {
  if (context.state !== 'suspended') return;
  // resume() rejects until the page may play audio (autoplay policy): the next gesture tries again.
  const notYet = (err: unknown) => logger.debug(`AudioContext not resumed yet (${String(err)}); waiting for a user gesture`);
  void context.resume().catch(notYet);
  const onGesture = () => {
    void context.resume().catch(notYet);
    if (context.state !== 'suspended') for (const type of ['pointerdown', 'keydown']) removeEventListener(type, onGesture, true);
  };
  for (const type of ['pointerdown', 'keydown']) addEventListener(type, onGesture, true);
}
