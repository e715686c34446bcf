/**
 * The client's typed errors, and how errors cross the worker boundary: structured clone keeps only
 * name and message of an Error, so the worker sends the fields each type needs and the main thread
 * rebuilds the same classes (core's CardError / ModelContractError included), so `instanceof` works in apps.
 */
import { CardError, ModelContractError, ModelRunError } from '@callmos/core';

/** A model file could not be fetched: HTTP status (404, ...) or a network failure (status 0). */
export class ModelFetchError extends Error {
  override readonly name = 'ModelFetchError';
  constructor(
    readonly url: string,
    readonly status: number,
    detail: string,
  ) {
    super(`cannot fetch ${url}: ${detail}`);
  }
}

/** A model file was fetched but is not usable: card.json is not JSON, or onnxruntime-web cannot load the graph. */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
  constructor(
    readonly url: string,
    readonly problem: string,
  ) {
    super(`${url}: ${problem}`);
  }
}

/** The browser lacks something the monitor needs (AudioWorklet, Worker, WebAssembly), or the audio graph failed. */
export class MonitorSetupError extends Error {
  override readonly name = 'MonitorSetupError';
}

/** The monitored track stopped being scorable (e.g. the worker failed on it). */
export class TrackMonitorError extends Error {
  override readonly name = 'TrackMonitorError';
  constructor(
    readonly trackId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`track ${trackId}: ${message}`, options);
  }
}

export interface SerializedError {
  name: string;
  message: string;
  url?: string;
  status?: number;
  problem?: string;
  problems?: string[];
  model?: string;
}

export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const out: SerializedError = { name: err.name, message: err.message };
  const fields = err as unknown as Record<string, unknown>;
  if (typeof fields.url === 'string') out.url = fields.url;
  if (typeof fields.status === 'number') out.status = fields.status;
  if (typeof fields.problem === 'string') out.problem = fields.problem;
  if (Array.isArray(fields.problems)) out.problems = fields.problems.map(String);
  if (typeof fields.model === 'string') out.model = fields.model;
  return out;
}

/** Rebuilds the typed error a worker serialised; unknown kinds become a plain Error with the same name and message. */
export function deserializeError(e: SerializedError): Error {
  switch (e.name) {
    case 'ModelFetchError':
      return new ModelFetchError(e.url ?? '?', e.status ?? 0, e.message.replace(/^cannot fetch \S+: /, ''));
    case 'ModelLoadError':
      return new ModelLoadError(e.url ?? '?', e.problem ?? e.message);
    case 'CardError':
      return withUrl(new CardError(e.problems ?? [e.message]), e.url);
    case 'ModelContractError':
      return withUrl(new ModelContractError(e.model ?? '?', e.problems ?? [e.message]), e.url);
    case 'ModelRunError': {
      const err = new ModelRunError(e.model ?? '?', '');
      err.message = e.message;
      return err;
    }
    default: {
      const err = new Error(e.message);
      err.name = e.name;
      return err;
    }
  }
}

/** Card and contract errors name the file they came from, so "which model?" never needs asking. */
function withUrl<E extends Error>(err: E, url: string | undefined): E {
  if (url === undefined) return err;
  Object.defineProperty(err, 'url', { value: url, enumerable: true });
  err.message = `${url}: ${err.message}`;
  return err;
}
