/**
 * The client's typed errors, and how errors cross the worker boundary: structured clone keeps only
 * name and message of an Error, so the worker sends the fields each type needs and the main thread
 * rebuilds the same classes (core's ModelLoadError, CardError, ModelContractError and ModelRunError
 * included, with their codes and causes), so `instanceof` and `err.code` work in apps.
 */
import { CallmosError, CardError, ModelContractError, ModelLoadError, ModelRunError, type ModelLoadErrorCode } from '@callmos/core';

/**
 * A model file could not be fetched: an HTTP status (404 reads MODEL_NOT_FOUND, any other
 * MODEL_UNREADABLE) or a network failure (status 0, MODEL_UNREADABLE). A ModelLoadError like every
 * other way a model fails to load; `source` is the URL.
 */
export class ModelFetchError extends ModelLoadError {
  override readonly name = 'ModelFetchError';
  constructor(
    url: string,
    readonly status: number,
    detail: string,
  ) {
    super(status === 404 || status === 410 ? 'MODEL_NOT_FOUND' : 'MODEL_UNREADABLE', url, detail);
  }
}

/** The browser lacks something the monitor needs (AudioWorklet, Worker, WebAssembly), or the audio graph failed. */
export class MonitorSetupError extends CallmosError<'MONITOR_SETUP_FAILED'> {
  override readonly name = 'MonitorSetupError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('MONITOR_SETUP_FAILED', message, options);
  }
}

/** The monitored track stopped being scorable (e.g. the worker failed on it). */
export class TrackMonitorError extends CallmosError<'TRACK_FAILED'> {
  override readonly name = 'TrackMonitorError';
  constructor(
    readonly trackId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('TRACK_FAILED', `track ${trackId}: ${message}`, options);
  }
}

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  source?: string;
  status?: number;
  problem?: string;
  problems?: string[];
  model?: string;
  cause?: SerializedError;
}

export function serializeError(err: unknown, depth = 0): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const out: SerializedError = { name: err.name, message: err.message };
  const fields = err as unknown as Record<string, unknown>;
  for (const key of ['code', 'source', 'problem', 'model'] as const) if (typeof fields[key] === 'string') out[key] = fields[key] as string;
  if (typeof fields.status === 'number') out.status = fields.status;
  if (Array.isArray(fields.problems)) out.problems = fields.problems.map(String);
  // One level is what callmos nests (a ModelLoadError's CardError or ModelContractError); deeper is noise.
  if (err.cause !== undefined && depth < 2) out.cause = serializeError(err.cause, depth + 1);
  return out;
}

/** Rebuilds the typed error a worker serialised; unknown kinds become a plain Error with the same name and message. */
export function deserializeError(e: SerializedError): Error {
  const cause = e.cause ? deserializeError(e.cause) : undefined;
  switch (e.name) {
    case 'ModelFetchError':
      return new ModelFetchError(e.source ?? '?', e.status ?? 0, e.problem ?? e.message);
    case 'ModelLoadError':
      return new ModelLoadError((e.code ?? 'MODEL_UNREADABLE') as ModelLoadErrorCode, e.source ?? '?', e.problem ?? e.message, {
        ...(cause ? { cause } : {}),
        ...(e.problems ? { problems: e.problems } : {}),
      });
    case 'CardError':
      return new CardError(e.problems ?? [e.message]);
    case 'ModelContractError':
      return new ModelContractError(e.model ?? '?', e.problems ?? [e.message]);
    case 'ModelRunError': {
      const err = new ModelRunError(e.model ?? '?', '', cause ? { cause } : undefined);
      err.message = e.message;
      return err;
    }
    default: {
      const err = new Error(e.message, cause ? { cause } : undefined);
      err.name = e.name;
      return err;
    }
  }
}
