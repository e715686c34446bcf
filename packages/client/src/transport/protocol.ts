/**
 * Messages between the three threads. Main <-> worker and worklet <-> worker; audio goes worklet ->
 * worker directly (a MessagePort or a SharedArrayBuffer ring), never through the main thread.
 * Everything here is structured-clonable.
 */
import type { ModelCard, ScoreEvent, VadOptions } from '@callmos/core';
import type { SerializedError } from '../monitor/errors.js';
import type { FrameRun } from './frames.js';

export type TransportKind = 'shared-ring' | 'messages';

/** Where the worker loads onnxruntime-web's runtime from (same origin as the app, never a CDN). */
export interface OrtAssetUrls {
  mjs: string;
  wasm: string;
}

export interface InitRequest {
  type: 'init';
  onnxUrl: string;
  cardUrl: string;
  /** the streaming pair: beside the card (the names its streaming block gives), at these URLs, or none */
  streaming: 'beside-card' | { frontUrl: string; backUrl: string } | 'none';
  ort: OrtAssetUrls;
  /** wasm threads; 1 unless the page is crossOriginIsolated */
  numThreads: number;
  maxBatch: number;
  /** the Silero speech detector's graph; absent: windows are gated by energy alone */
  speechDetectorUrl?: string;
}

export interface TrackOpenRequest {
  type: 'track-open';
  trackId: string;
  /** streamId of its ScoreEvents */
  streamId: string;
  transport: TransportKind;
  /** the worklet's end of the audio channel (messages) or the worklet's ring (shared-ring: polled) */
  port: MessagePort;
  ring?: SharedArrayBuffer;
  vad?: VadOptions;
  maxPendingWindows: number;
  /** keep the first N seconds of the 16 kHz audio the worker scored (diagnostics; 0 = none) */
  captureSeconds: number;
}

export interface TrackEndRequest {
  type: 'track-end';
  trackId: string;
}

export interface TrackCloseRequest {
  type: 'track-close';
  trackId: string;
}

export interface StatsRequest {
  type: 'stats';
  trackId: string;
  requestId: number;
}

export interface CaptureRequest {
  type: 'capture';
  trackId: string;
  requestId: number;
}

export type MainToWorker = InitRequest | TrackOpenRequest | TrackEndRequest | TrackCloseRequest | StatsRequest | CaptureRequest;

export interface BackendInfo {
  numThreads: number;
  crossOriginIsolated: boolean;
  /** ms to fetch, compile and validate the model (and the speech detector, loaded alongside) */
  loadMs: number;
  /** the speech detector's id, or 'energy gate' when windows are gated by energy alone */
  speechDetector: string;
  /** windows are scored by the card's streaming pair (front end once per hop), not the whole window model */
  streaming: boolean;
}

/** What a track's pipeline has done so far: the numbers behind "ms of compute per second of audio". */
export interface TrackStats {
  trackId: string;
  transport: TransportKind;
  /** seconds of 16 kHz audio received by the worker */
  audioSeconds: number;
  /** worker ms spent in STFT, windowing and the speech gate */
  dspMs: number;
  /** worker ms spent in model runs (onnxruntime-web), including waits behind other tracks' runs */
  inferenceMs: number;
  /** worker ms spent in speech-detector runs (onnxruntime-web), including waits behind other tracks' runs */
  speechDetectorMs: number;
  windowsScored: number;
  windowsNotScored: number;
  /** windows dropped because inference fell behind, plus windows lost to dropped audio */
  windowsSkipped: number;
  /** 10 ms frames the worklet dropped because the worker was not keeping up */
  framesDropped: number;
}

export type WorkerToMain =
  | { type: 'ready'; card: ModelCard; modelId: string; backend: BackendInfo }
  | { type: 'init-error'; error: SerializedError }
  | { type: 'scores'; trackId: string; events: ScoreEvent[] }
  | { type: 'track-ended'; trackId: string; stats: TrackStats }
  | { type: 'track-error'; trackId: string; error: SerializedError }
  | { type: 'stats'; requestId: number; stats: TrackStats | null }
  | { type: 'capture'; requestId: number; samples: Float32Array | null };

/** Worklet -> worker on the audio port. */
export type WorkletToWorker =
  | { type: 'format'; sampleRate: number; channels: number }
  | ({ type: 'frames'; dropped: number } & FrameRun);

/** Worker -> worklet on the audio port: frames consumed so far (back-pressure for the messages transport). */
export interface WorkerToWorklet {
  type: 'ack';
  /** every frame with seq < upTo has been taken by the worker */
  upTo: number;
}

/** processorOptions of the tap AudioWorkletNode. */
export interface TapOptions {
  transport: TransportKind;
  ring?: SharedArrayBuffer;
  /** frames per message (messages transport) */
  framesPerMessage: number;
  /** frames sent and not yet acknowledged before the tap drops audio (messages transport) */
  maxInFlightFrames: number;
}

export const TAP_PROCESSOR_NAME = 'callmos-tap';
