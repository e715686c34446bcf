/**
 * The inference worker (dist/inference-worker.js): one per QualityMonitor, one model, any number of
 * tracks. Receives 10 ms frames straight from each track's AudioWorklet tap, runs core's STFT, windows,
 * speech gate and onnxruntime-web, and posts ScoreEvents to the main thread. Nothing here runs on the
 * main thread or in the audio thread.
 */
import type { MosModel, SileroVad } from '@callmos/core';
import { serializeError } from '../monitor/errors.js';
import { FrameRingReader } from '../transport/frame-ring.js';
import { FRAME_SAMPLES } from '../transport/frames.js';
import type { MainToWorker, TrackOpenRequest, WorkerToMain, WorkerToWorklet, WorkletToWorker } from '../transport/protocol.js';
import { loadModel, loadSpeechDetector } from './load-model.js';
import { TrackPipeline } from './track-pipeline.js';

/** How often shared rings are drained: well under a window hop, coarse enough to cost nothing. */
const RING_POLL_MS = 40;

interface Track {
  pipeline: TrackPipeline;
  port: MessagePort;
  ring: FrameRingReader | null;
  /** events are posted in order even though pushes resolve asynchronously */
  chain: Promise<void>;
}

const scope = self as unknown as { postMessage(msg: WorkerToMain, transfer?: Transferable[]): void; crossOriginIsolated?: boolean };
let model: MosModel | null = null;
/** shared by every track (each track's SpeechDetector keeps its own state) */
let speech: SileroVad | undefined;
const tracks = new Map<string, Track>();
let pollTimer: ReturnType<typeof setInterval> | null = null;

function post(msg: WorkerToMain, transfer: Transferable[] = []): void {
  scope.postMessage(msg, transfer);
}

self.onmessage = (e: MessageEvent<MainToWorker>) => {
  const msg = e.data;
  switch (msg.type) {
    case 'init':
      void init(msg);
      break;
    case 'track-open':
      openTrack(msg);
      break;
    case 'track-end':
      endTrack(msg.trackId);
      break;
    case 'track-close':
      closeTrack(msg.trackId);
      break;
    case 'stats':
      post({ type: 'stats', requestId: msg.requestId, stats: tracks.get(msg.trackId)?.pipeline.stats ?? null });
      break;
    case 'capture': {
      const samples = tracks.get(msg.trackId)?.pipeline.capturedAudio() ?? null;
      post({ type: 'capture', requestId: msg.requestId, samples }, samples ? [samples.buffer] : []);
      break;
    }
  }
};

async function init(req: Extract<MainToWorker, { type: 'init' }>): Promise<void> {
  const t0 = performance.now();
  try {
    const [loaded, detector] = await Promise.all([loadModel(req), req.speechDetectorUrl ? loadSpeechDetector(req, req.speechDetectorUrl) : undefined]);
    model = loaded;
    speech = detector;
    post({
      type: 'ready',
      card: model.card,
      modelId: model.id,
      backend: {
        numThreads: req.numThreads,
        crossOriginIsolated: scope.crossOriginIsolated === true,
        loadMs: performance.now() - t0,
        speechDetector: speech?.id ?? 'energy gate',
        streaming: model.streaming,
      },
    });
  } catch (err) {
    post({ type: 'init-error', error: serializeError(err) });
  }
}

function openTrack(req: TrackOpenRequest): void {
  if (model === null) {
    post({ type: 'track-error', trackId: req.trackId, error: { name: 'Error', message: 'the model is not loaded' } });
    return;
  }
  const pipeline = new TrackPipeline({
    model,
    speech,
    trackId: req.trackId,
    streamId: req.streamId,
    transport: req.transport,
    vad: req.vad,
    maxPendingWindows: req.maxPendingWindows,
    captureSeconds: req.captureSeconds,
  });
  const track: Track = {
    pipeline,
    port: req.port,
    ring: req.transport === 'shared-ring' && req.ring ? new FrameRingReader(req.ring) : null,
    chain: Promise.resolve(),
  };
  tracks.set(req.trackId, track);
  req.port.onmessage = (m: MessageEvent<WorkletToWorker>) => {
    const data = m.data;
    if (data.type !== 'frames') return;
    feed(req.trackId, track, data, data.dropped);
    const ack: WorkerToWorklet = { type: 'ack', upTo: data.seq + data.samples.length / FRAME_SAMPLES };
    track.port.postMessage(ack);
  };
  if (track.ring && pollTimer === null) pollTimer = setInterval(pollRings, RING_POLL_MS);
}

function pollRings(): void {
  for (const [trackId, track] of tracks) {
    if (!track.ring) continue;
    const dropped = track.ring.dropped;
    for (const run of track.ring.read()) feed(trackId, track, run, dropped);
  }
}

function feed(trackId: string, track: Track, run: { seq: number; samples: Float32Array }, dropped: number): void {
  let events: ReturnType<typeof track.pipeline.push>;
  try {
    events = track.pipeline.push(run, dropped);
  } catch (err) {
    post({ type: 'track-error', trackId, error: serializeError(err) });
    return;
  }
  track.chain = track.chain.then(async () => {
    try {
      const list = await events;
      if (list.length > 0 && tracks.get(trackId) === track) post({ type: 'scores', trackId, events: list });
    } catch (err) {
      post({ type: 'track-error', trackId, error: serializeError(err) });
    }
  });
}

function endTrack(trackId: string): void {
  const track = tracks.get(trackId);
  if (!track) return;
  if (track.ring) for (const run of track.ring.read()) feed(trackId, track, run, track.ring.dropped);
  track.chain = track.chain.then(async () => {
    try {
      const list = await track.pipeline.end();
      if (list.length > 0) post({ type: 'scores', trackId, events: list });
    } catch (err) {
      post({ type: 'track-error', trackId, error: serializeError(err) });
    }
    post({ type: 'track-ended', trackId, stats: track.pipeline.stats });
  });
}

function closeTrack(trackId: string): void {
  const track = tracks.get(trackId);
  if (!track) return;
  tracks.delete(trackId);
  track.pipeline.close();
  track.port.close();
  if (pollTimer !== null && ![...tracks.values()].some((t) => t.ring)) {
    clearInterval(pollTimer);
    pollTimer = null;
  }
}
