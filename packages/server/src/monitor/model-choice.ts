/**
 * Which model a monitor scores with when the app names none (issue 14): `base`, the teacher-class student,
 * where a GPU runs it; on CPU the largest installed model that the bench measured holding
 * CPU_MIN_STREAMS_PER_CORE streams on one core in real time. A bigger model agrees better with the teachers
 * (models/REPORT.md), but a monitor that falls behind skips windows for every stream on the host: on CPU the
 * stream count decides. The choice and its reason go into the monitor's start-up line.
 */
import { cudaAvailability, defaultModel, listModels, type CudaAvailability, type ProviderPreference } from '@callmos/node';

/** The model the server runs on a GPU: the largest rung of the ladder. */
export const GPU_MODEL = 'base';

/**
 * Streams one core monitors in real time, per shipped model: bench/RESULTS.md section 3 (`npm run bench`,
 * full mode, one core, batching on; scale.summary of bench/results.json, which a test compares with this).
 */
export const CPU_STREAMS_PER_CORE: Readonly<Record<string, number>> = { tiny: 80, lite: 80, small: 56, base: 64 };

/**
 * What one pinned core must hold for a model to be the CPU default (issue 17's target for `small`): the bench's
 * one-core curve; with several cores sharing one scoring a core holds somewhat fewer (bench/RESULTS.md, all cores).
 */
export const CPU_MIN_STREAMS_PER_CORE = 40;

export interface ModelChoice {
  model: string;
  /** for the start-up line: why this one */
  why: string;
  /** the choice counts on a CUDA session: if the model falls back to CPU, choose again for CPU */
  forGpu: boolean;
}

/** An installed model with its size, as the choice sees it. */
export interface InstalledModel {
  name: string;
  params: number;
}

/** The choice itself, without I/O (tests give it any machine and any measurements). */
export function chooseModel(
  installed: readonly InstalledModel[],
  gpu: CudaAvailability | undefined,
  streamsPerCore: Readonly<Record<string, number>> = CPU_STREAMS_PER_CORE,
): ModelChoice {
  if (gpu?.usable && installed.some((m) => m.name === GPU_MODEL)) {
    return { model: GPU_MODEL, why: `default on a GPU: ${GPU_MODEL}, the GPU model`, forGpu: true };
  }
  // with a usable GPU but no base, the choice is the CPU one (its session may still run on CUDA)
  const onCpu =
    gpu === undefined ? 'default on CPU: CPU asked for' : gpu.usable ? `default: ${GPU_MODEL} not installed` : `default on CPU: ${gpu.reason ?? 'CUDA unusable'}`;
  const measured = (m: InstalledModel) => `${m.name} ${streamsPerCore[m.name] ?? 'not measured'}`;
  const fits = installed
    .filter((m) => (streamsPerCore[m.name] ?? 0) >= CPU_MIN_STREAMS_PER_CORE)
    .sort((a, b) => b.params - a.params);
  const pick = fits[0];
  if (pick === undefined) {
    return { model: defaultModel, why: `${onCpu}; no installed model is known to hold ${CPU_MIN_STREAMS_PER_CORE} streams per core`, forGpu: false };
  }
  const larger = installed.filter((m) => m.params > pick.params).map(measured);
  return {
    model: pick.name,
    why: `${onCpu}; the largest model the bench measured holding ${CPU_MIN_STREAMS_PER_CORE} streams per core: ${measured(pick)}${larger.length ? ` (${larger.join(', ')})` : ''}`,
    forGpu: false,
  };
}

/**
 * The default for this machine: the installed models' cards and whether CUDA is usable under `provider`
 * (`gpu` overrides that: a CUDA session that did not start after all).
 */
export async function defaultModelChoice(provider: ProviderPreference, modelsDir: string | undefined, gpu?: CudaAvailability): Promise<ModelChoice> {
  const installed = (await listModels({ modelsDir })).flatMap((m) => (m.card ? [{ name: m.name, params: m.card.params }] : []));
  return chooseModel(installed, provider === 'cpu' ? undefined : (gpu ?? cudaAvailability()));
}
