/**
 * The onnxruntime-node backend: creates InferenceSessions on the best execution provider this machine has.
 * CUDA needs two things onnxruntime-node does not guarantee: an NVIDIA GPU with its driver, and the CUDA
 * provider library (downloaded at install time, not bundled in the npm package). The driver is checked up
 * front so CPU-only machines never pay for a failed CUDA session; a CUDA session that still fails to start
 * (library or CUDA runtime missing) falls back to CPU with the reason kept for the caller to report.
 */
import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import type { InferenceThread } from './inference-thread.js';

/** `auto`: CUDA when usable, else CPU. `cuda`: CUDA or fail. `cpu`: CPU only. */
export type ProviderPreference = 'auto' | 'cpu' | 'cuda';
export type ExecutionProviderName = 'cpu' | 'cuda';

export interface OrtBackendOptions {
  provider?: ProviderPreference;
  /** threads one inference may use (onnxruntime's intraOpNumThreads); default: onnxruntime decides (all cores) */
  intraOpThreads?: number;
  /**
   * open the session on this worker thread (./inference-thread.ts) instead of the calling one: its runs no
   * longer block the caller's event loop
   */
  thread?: InferenceThread;
}

export interface OrtSessionHandle {
  session: ort.InferenceSession;
  /** the provider the session was created with */
  provider: ExecutionProviderName;
  /** why `auto` ended up on CPU, when CUDA was not usable; absent when nothing fell back or CUDA was never considered */
  fallbackReason?: string;
}

export interface CudaAvailability {
  usable: boolean;
  /** what is missing, when not usable */
  reason?: string;
}

/** Present when the NVIDIA kernel driver is loaded (Linux). */
const NVIDIA_DRIVER_MARKERS = ['/proc/driver/nvidia/version', '/dev/nvidiactl'];

/** Whether a CUDA session is worth trying here, without creating one. */
export function cudaAvailability(): CudaAvailability {
  if (process.platform !== 'linux' && process.platform !== 'win32') {
    return { usable: false, reason: `onnxruntime-node has no CUDA build for ${process.platform}` };
  }
  if (!ort.listSupportedBackends().some((backend) => backend.name === 'cuda')) {
    return { usable: false, reason: 'this onnxruntime-node build has no CUDA support' };
  }
  if (process.platform === 'linux' && !NVIDIA_DRIVER_MARKERS.some((marker) => existsSync(marker))) {
    return { usable: false, reason: 'no NVIDIA GPU driver found' };
  }
  return { usable: true };
}

/** Create a session for an .onnx path or model bytes, on the provider `options.provider` asks for. */
export async function createOrtSession(model: string | Uint8Array, options: OrtBackendOptions = {}): Promise<OrtSessionHandle> {
  const preference = options.provider ?? 'auto';
  if (options.intraOpThreads !== undefined && !(Number.isInteger(options.intraOpThreads) && options.intraOpThreads >= 1)) {
    throw new RangeError(`intraOpThreads must be a positive integer, got ${options.intraOpThreads}`);
  }
  if (preference === 'cpu') return { session: await open(model, 'cpu', options), provider: 'cpu' };

  const cuda = cudaAvailability();
  if (preference === 'cuda') {
    if (!cuda.usable) throw new Error(`CUDA execution provider unavailable: ${cuda.reason}`);
    return { session: await open(model, 'cuda', options), provider: 'cuda' };
  }
  if (!cuda.usable) return { session: await open(model, 'cpu', options), provider: 'cpu', fallbackReason: cuda.reason };
  try {
    return { session: await open(model, 'cuda', options), provider: 'cuda' };
  } catch (err) {
    // e.g. CUDA/cuDNN runtime libraries missing or of the wrong major version
    return {
      session: await open(model, 'cpu', options),
      provider: 'cpu',
      fallbackReason: explainCudaFailure((err as Error).message),
    };
  }
}

function explainCudaFailure(message: string): string {
  const reason = `CUDA session failed to start: ${message.split('\n', 1)[0]}`;
  return /providers_cuda/.test(message)
    ? `${reason} (onnxruntime-node's CUDA binaries are installed with ONNXRUNTIME_NODE_INSTALL=cuda12 npm install)`
    : reason;
}

function open(model: string | Uint8Array, provider: ExecutionProviderName, options: OrtBackendOptions): Promise<ort.InferenceSession> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    // onnxruntime places nodes CUDA cannot run on CPU by itself; a CUDA provider that cannot load throws.
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    // One inference at a time per session: extra inter-op threads would only compete with intra-op ones.
    interOpNumThreads: 1,
    // No memory pattern: onnxruntime keeps one planned block per input shape it has seen, and a monitor
    // batches 1..16 windows and 1..64 detector frames, so resident memory rose in steps whenever a batch
    // size first occurred (a +76 MB step 2 min into a churn soak). Measured on tiny: same ms per window
    // with and without (2.0 at batch 1 and 16), ~130 MB less resident with random batch sizes.
    enableMemPattern: false,
    // Pool threads that sleep when idle instead of spinning for the next parallel section: a monitor runs
    // a batch every few tens of ms, and spinning threads burned the gaps: tiny, batch 4 every 40 ms,
    // 62.8 CPU ms per run spinning vs 22.9 not, the same wall time (21.1 / 20.0 ms).
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    ...(options.intraOpThreads !== undefined ? { intraOpNumThreads: options.intraOpThreads } : {}),
  };
  if (options.thread) return options.thread.open(model, sessionOptions);
  return typeof model === 'string'
    ? ort.InferenceSession.create(model, sessionOptions)
    : ort.InferenceSession.create(model, sessionOptions);
}
