/**
 * The main thread's side of the inference worker: starts it, loads the model in it, routes its messages
 * to track monitors and answers request/response calls (stats, captured audio).
 */
import type { ModelCard, ScoreEvent } from '@callmos/core';
import type { BackendInfo, InitRequest, MainToWorker, TrackStats, WorkerToMain } from '../transport/protocol.js';
import { deserializeError, MonitorSetupError, TrackMonitorError } from './errors.js';

export interface TrackSink {
  onScores(events: ScoreEvent[]): void;
  onEnded(finalStats: TrackStats): void;
  onError(error: Error): void;
}

export interface LoadedWorker {
  client: WorkerClient;
  card: ModelCard;
  modelId: string;
  backend: BackendInfo;
}

export class WorkerClient {
  private readonly sinks = new Map<string, TrackSink>();
  private readonly pending = new Map<number, (value: unknown) => void>();
  private nextRequest = 1;
  private crashHandler: ((error: Error) => void) | null = null;

  private constructor(private readonly worker: Worker) {}

  /** Starts the worker and loads the model; rejects with the worker's typed error (404, card, contract). */
  static start(workerUrl: string, init: Omit<InitRequest, 'type'>): Promise<LoadedWorker> {
    let worker: Worker;
    try {
      worker = new Worker(workerUrl, { type: 'module', name: 'callmos-inference' });
    } catch (err) {
      return Promise.reject(new MonitorSetupError(`cannot start the inference worker ${workerUrl}: ${(err as Error).message}`));
    }
    const client = new WorkerClient(worker);
    return new Promise<LoadedWorker>((resolve, reject) => {
      worker.onerror = (e) => {
        e.preventDefault();
        worker.terminate();
        reject(new MonitorSetupError(`the inference worker ${workerUrl} failed to start: ${e.message || 'script error (404 or not a module?)'}`));
      };
      worker.onmessage = (e: MessageEvent<WorkerToMain>) => {
        const msg = e.data;
        if (msg.type === 'ready') {
          worker.onmessage = (m: MessageEvent<WorkerToMain>) => client.route(m.data);
          worker.onerror = (err) => {
            err.preventDefault();
            client.crashed(err.message || 'unknown error');
          };
          resolve({ client, card: msg.card, modelId: msg.modelId, backend: msg.backend });
        } else if (msg.type === 'init-error') {
          worker.terminate();
          reject(deserializeError(msg.error));
        }
      };
      client.post({ type: 'init', ...init });
    });
  }

  post(msg: MainToWorker, transfer: Transferable[] = []): void {
    this.worker.postMessage(msg, transfer);
  }

  attach(trackId: string, sink: TrackSink): void {
    this.sinks.set(trackId, sink);
  }

  detach(trackId: string): void {
    this.sinks.delete(trackId);
    this.post({ type: 'track-close', trackId });
  }

  stats(trackId: string): Promise<TrackStats | null> {
    return this.request<TrackStats | null>((requestId) => ({ type: 'stats', trackId, requestId }));
  }

  capture(trackId: string): Promise<Float32Array | null> {
    return this.request<Float32Array | null>((requestId) => ({ type: 'capture', trackId, requestId }));
  }

  /** Called when the worker fails after it started (e.g. out of memory): every track is then abandoned. */
  onCrash(handler: (error: Error) => void): void {
    this.crashHandler = handler;
  }

  private crashed(message: string): void {
    this.terminate();
    this.crashHandler?.(new TrackMonitorError('*', `the inference worker failed: ${message}`));
  }

  terminate(): void {
    this.worker.terminate();
    for (const resolve of this.pending.values()) resolve(null);
    this.pending.clear();
  }

  private request<T>(make: (requestId: number) => MainToWorker): Promise<T> {
    const requestId = this.nextRequest++;
    return new Promise<T>((resolve) => {
      this.pending.set(requestId, resolve as (v: unknown) => void);
      this.post(make(requestId));
    });
  }

  private route(msg: WorkerToMain): void {
    switch (msg.type) {
      case 'scores':
        this.sinks.get(msg.trackId)?.onScores(msg.events);
        break;
      case 'track-ended':
        this.sinks.get(msg.trackId)?.onEnded(msg.stats);
        break;
      case 'track-error':
        this.sinks.get(msg.trackId)?.onError(deserializeError(msg.error));
        break;
      case 'stats':
      case 'capture': {
        const resolve = this.pending.get(msg.requestId);
        this.pending.delete(msg.requestId);
        resolve?.(msg.type === 'stats' ? msg.stats : msg.samples);
        break;
      }
    }
  }
}
