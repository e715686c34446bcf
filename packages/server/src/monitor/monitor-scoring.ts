/**
 * The scoring side of quality monitors: the model in its teacher pool (one batched window scheduler), the
 * speech detector, and the inference thread they may run on. attachQualityMonitor makes one per monitor by
 * default. A host with several mediasoup workers (one router each, one per core) makes one with
 * createMonitorScoring and hands it to every attachQualityMonitor: the model is loaded once and windows of
 * every router share its batches (a full batch costs about what a lone window does), on one inference
 * thread off the event loop when asked.
 *
 * Whoever creates a scoring closes it, after the monitors using it: closing it under a monitor, or its
 * inference thread dying, stops those monitors with MONITOR_FAILED (nothing could be scored any more).
 */
import { availableParallelism } from 'node:os';
import { Logger, type SileroVad } from '@callmos/core';
import { InferenceThread, loadModelWithDetails, loadSpeechDetector, type ExecutionProviderName, type LoadedModel, type ProviderPreference } from '@callmos/node';
import { TeacherPool, type TeacherPoolOptions } from '../pool/teacher-pool.js';
import { defaultModelChoice, type ModelChoice } from './model-choice.js';

const logger = new Logger('server:monitor-scoring');

/** Frames of live streams arrive spread over time: 10 ms lets a detector run gather other streams' (~3x cheaper a frame). */
const MONITOR_SPEECH_WAIT_MS = 10;

export interface MonitorScoringOptions extends TeacherPoolOptions {
  /**
   * shipped model name or model path; default (model-choice.ts): `base` on a GPU, on CPU the largest model
   * the bench measured holding 40 streams per core (`small`); the start-up line says which and why
   */
  model?: string;
  modelsDir?: string;
  /** execution provider: 'auto' (CUDA when usable, else CPU), 'cpu' or 'cuda'; default 'auto' */
  provider?: ProviderPreference;
  intraOpThreads?: number;
  /**
   * run the model and the speech detector on a worker thread of their own (InferenceThread): onnxruntime's
   * runs block the thread they run on, and on the monitor's thread they stall RTP receive and decoding of
   * every stream for the length of each batch. 'auto' (default): when this process may use more than one
   * core (os.availableParallelism(), which honours a CPU affinity mask): measured, 40 -> 56 `small` streams
   * on two cores; on one core the thread only adds its copies (~5 % CPU)
   */
  inferenceThread?: boolean | 'auto';
  /**
   * 'silero' (default): a window is scored only when the energy gate and the Silero speech detector both
   * find speech in it (a fan, a tone or hold music is not bad quality); 'energy': the energy gate alone
   */
  speechDetector?: 'silero' | 'energy';
}

/** The option names that belong to the scoring: given with a shared `scoring`, they are an error. */
export const SCORING_OPTIONS = [
  'model',
  'modelsDir',
  'provider',
  'intraOpThreads',
  'inferenceThread',
  'speechDetector',
  'batchSize',
  'maxWaitMs',
  'maxPendingPerStream',
] as const satisfies readonly (keyof MonitorScoringOptions)[];

/** What scores the windows, as monitors report it (MonitorBackend adds their external teachers). */
export interface ScoringBackend {
  model: string;
  modelPath: string;
  provider: ExecutionProviderName;
  fallbackReason?: string;
  batchSize: number;
  maxWaitMs: number;
  /** the speech detector's id, or 'energy gate' when windows are gated by energy alone */
  speechDetector: string;
  /** whether the model and the speech detector run on a worker thread (the inferenceThread option, 'auto' resolved) */
  inferenceThread: boolean;
  /** why this model, when the app named none (model-choice.ts) */
  modelChoice?: string;
}

export class MonitorScoring {
  private closing: Promise<void> | undefined;
  /** why nothing can be scored any more (closed, or its inference thread died) */
  private stopReason: string | undefined;
  private readonly stopListeners = new Set<(why: string) => void>();

  private constructor(
    readonly pool: TeacherPool,
    readonly speech: SileroVad | undefined,
    readonly backend: ScoringBackend,
    /** the provider and threads asked for, which monitors' external teachers use too */
    readonly ort: { provider?: ProviderPreference; intraOpThreads?: number },
    private readonly thread: InferenceThread | undefined,
  ) {
    void thread?.failed.then((why) => this.stop(`inference failed for good: ${why}`));
  }

  /**
   * Calls `listener` once, when nothing can be scored any more (at once if that is so already); returns its
   * removal. A set of listeners rather than a promise: a closed monitor of a long-lived shared scoring must
   * not stay reachable from it.
   */
  onStopped(listener: (why: string) => void): () => void {
    if (this.stopReason !== undefined) {
      listener(this.stopReason);
      return () => undefined;
    }
    this.stopListeners.add(listener);
    return () => this.stopListeners.delete(listener);
  }

  /** Loads the model and the speech detector; ModelLoadError (nothing left open) when the model cannot be. */
  static async load(options: MonitorScoringOptions = {}): Promise<MonitorScoring> {
    const batchSize = options.batchSize ?? 16;
    const thread = wantsThread(options.inferenceThread ?? 'auto') ? new InferenceThread() : undefined;
    const ort = { provider: options.provider, intraOpThreads: options.intraOpThreads };
    let speech: SileroVad | undefined;
    try {
      const load = (name: string, provider = ort.provider) =>
        loadModelWithDetails(name, { ...ort, provider, modelsDir: options.modelsDir, maxBatch: batchSize, thread });
      const { loaded, choice, fallbackReason } = await loadMonitorModel(options, load);
      let pool: TeacherPool;
      try {
        // the pool checks its options: a bad one must not leave the sessions open
        pool = new TeacherPool(loaded.model, { batchSize, maxWaitMs: options.maxWaitMs, maxPendingPerStream: options.maxPendingPerStream });
        speech = (options.speechDetector ?? 'silero') === 'silero' ? await loadSpeechDetector(undefined, { maxWaitMs: MONITOR_SPEECH_WAIT_MS, thread }) : undefined;
      } catch (err) {
        await loaded.model.release().catch((e: unknown) => logger.warn(`releasing the model after a failed load failed: ${String(e)}`));
        throw err;
      }
      const backend: ScoringBackend = {
        model: loaded.model.id,
        modelPath: loaded.files.onnxPath,
        provider: loaded.provider,
        ...(fallbackReason ? { fallbackReason } : {}),
        batchSize: pool.batchSize,
        maxWaitMs: pool.maxWaitMs,
        speechDetector: speech ? speech.id : 'energy gate',
        inferenceThread: thread !== undefined,
        ...(choice ? { modelChoice: choice.why } : {}),
      };
      return new MonitorScoring(pool, speech, backend, ort, thread);
    } catch (err) {
      await thread?.close();
      throw err;
    }
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Why nothing can be scored any more (closed, or its inference thread died); undefined while it can. */
  get stoppedBecause(): string | undefined {
    return this.stopReason;
  }

  /** Waiting windows end as errors; the model, the detector and the thread are released. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.release();
    return this.closing;
  }

  private stop(why: string): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = why;
    const listeners = [...this.stopListeners];
    this.stopListeners.clear();
    for (const listener of listeners) {
      try {
        listener(why);
      } catch (err) {
        logger.error(`a listener of the scoring's stop threw: ${String(err)}`, err);
      }
    }
  }

  private async release(): Promise<void> {
    this.stop('the monitor scoring was closed');
    this.pool.close();
    await this.pool.model.release().catch((err: unknown) => logger.warn(`releasing the model on close failed: ${String(err)}`));
    await this.speech?.release().catch((err: unknown) => logger.warn(`releasing the speech detector on close failed: ${String(err)}`));
    await this.thread?.close();
  }
}

/**
 * The model asked for, or the machine's default (model-choice.ts). With provider 'auto', the GPU choice is
 * opened on CUDA only: if its session does not start, the CPU choice is loaded on CPU instead (never the GPU
 * model on CPU, where it holds fewer streams), and why is kept as the fallback reason.
 */
async function loadMonitorModel(
  options: MonitorScoringOptions,
  load: (name: string, provider?: ProviderPreference) => Promise<LoadedModel>,
): Promise<{ loaded: LoadedModel; choice?: ModelChoice; fallbackReason?: string }> {
  if (options.model !== undefined) {
    const loaded = await load(options.model);
    return { loaded, fallbackReason: loaded.fallbackReason };
  }
  const provider = options.provider ?? 'auto';
  const choice = await defaultModelChoice(provider, options.modelsDir);
  if (!choice.forGpu || provider !== 'auto') {
    const loaded = await load(choice.model);
    return { loaded, choice, fallbackReason: loaded.fallbackReason };
  }
  try {
    return { loaded: await load(choice.model, 'cuda'), choice };
  } catch (err) {
    const reason = `${choice.model}'s CUDA session did not start: ${String((err as Error).message ?? err).split('\n', 1)[0]}`;
    const cpu = await defaultModelChoice(provider, options.modelsDir, { usable: false, reason });
    return { loaded: await load(cpu.model, 'cpu'), choice: cpu, fallbackReason: reason };
  }
}

/** The inferenceThread option resolved: 'auto' is a thread when this process may run on more than one core. */
function wantsThread(option: boolean | 'auto'): boolean {
  if (option === 'auto') return availableParallelism() > 1;
  if (typeof option !== 'boolean') throw new RangeError(`inferenceThread must be true, false or 'auto', got ${String(option)}`);
  return option;
}

/** One scoring for several monitors (see the module comment); close it after them. */
export function createMonitorScoring(options: MonitorScoringOptions = {}): Promise<MonitorScoring> {
  return MonitorScoring.load(options);
}
