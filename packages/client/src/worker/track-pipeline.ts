/**
 * One monitored track inside the inference worker: numbered 16 kHz frames in, ScoreEvents out, through
 * core's StreamScorer (STFT, windows, speech gate, batched inference, backlog skipping): the same path the
 * Node CLI scores files with, so browser and CLI scores agree.
 *
 * A hole in the frame numbers (audio the tap dropped because this worker was behind) cannot be spliced
 * over: windows across it would score a discontinuity that was never in the call. The stream restarts
 * after the hole instead (a fresh StreamScorer, its times shifted to track time) and the windows the hole
 * swallowed are counted as skipped.
 */
import { StreamScorer, type MosModel, type ScoreEvent, type SileroVad, type VadOptions } from '@callmos/core';
import { FRAME_RATE, FRAME_SAMPLES, FRAME_SECONDS, type FrameRun } from '../transport/frames.js';
import type { TrackStats, TransportKind } from '../transport/protocol.js';
import { AudioCapture } from './audio-capture.js';

export interface TrackPipelineOptions {
  model: MosModel;
  /** the speech detector's model: windows it finds no speech in are not scored */
  speech?: SileroVad;
  trackId: string;
  streamId: string;
  transport: TransportKind;
  vad?: VadOptions;
  maxPendingWindows: number;
  captureSeconds?: number;
  /** monotonic ms clock for compute accounting; default performance.now */
  clock?: () => number;
}

export class TrackPipeline {
  readonly trackId: string;
  private readonly options: TrackPipelineOptions;
  private readonly clock: () => number;
  private readonly timedModel: MosModel;
  private readonly timedSpeech: SileroVad | undefined;
  private scorer: StreamScorer;
  /** track time (s) at which the current scorer's stream starts */
  private offset = 0;
  private nextSeq = 0;
  private framesIn = 0;
  private framesDropped = 0;
  private gapWindows = 0;
  private earlierSkips = 0;
  private dspMs = 0;
  private inferenceMs = 0;
  private speechDetectorMs = 0;
  private scored = 0;
  private notScored = 0;
  private ended = false;
  private readonly capture: AudioCapture | null;

  constructor(options: TrackPipelineOptions) {
    this.options = options;
    this.trackId = options.trackId;
    this.clock = options.clock ?? (() => performance.now());
    this.timedModel = this.timed(options.model, 'scoreWindows', (ms) => (this.inferenceMs += ms)); // the scheduler's one entry point
    this.timedSpeech = options.speech ? this.timed(options.speech, 'run', (ms) => (this.speechDetectorMs += ms)) : undefined;
    this.scorer = this.newScorer();
    this.capture = options.captureSeconds ? new AudioCapture(Math.round(options.captureSeconds * FRAME_RATE)) : null;
  }

  /**
   * Feeds a run of frames; resolves with the events of the windows they completed. `droppedSoFar` is the
   * tap's count of dropped frames (for stats; the hole itself is seen in the frame numbers).
   */
  push(run: FrameRun, droppedSoFar = this.framesDropped): Promise<ScoreEvent[]> {
    if (this.ended) return Promise.resolve([]);
    this.framesDropped = Math.max(this.framesDropped, droppedSoFar);
    const frames = run.samples.length / FRAME_SAMPLES;
    let samples = run.samples;
    if (run.seq + frames <= this.nextSeq) return Promise.resolve([]); // stale
    if (run.seq < this.nextSeq) samples = samples.subarray((this.nextSeq - run.seq) * FRAME_SAMPLES);
    const pending: Promise<ScoreEvent[]>[] = [];
    if (run.seq > this.nextSeq) pending.push(this.restartAfterGap(run.seq));
    this.nextSeq = run.seq + frames;
    this.framesIn += samples.length / FRAME_SAMPLES;
    this.capture?.append(samples);
    const t0 = this.clock();
    const events = this.scorer.push(samples); // the synchronous part of push() is the DSP
    this.dspMs += this.clock() - t0;
    pending.push(events.then((e) => this.finish(e, this.offset)));
    return Promise.all(pending).then((lists) => lists.flat());
  }

  /** Ends the track: the last windows (and the short-clip rule for a track shorter than a window). */
  async end(): Promise<ScoreEvent[]> {
    if (this.ended) return [];
    this.ended = true;
    const offset = this.offset;
    const t0 = this.clock();
    const events = this.scorer.end();
    this.dspMs += this.clock() - t0;
    return this.finish(await events, offset);
  }

  /** The track closed without end(): its queued windows settle, then the model forgets it. */
  close(): void {
    this.ended = true;
    void this.scorer.abandon();
  }

  get stats(): TrackStats {
    return {
      trackId: this.trackId,
      transport: this.options.transport,
      audioSeconds: this.framesIn * FRAME_SECONDS,
      dspMs: this.dspMs,
      inferenceMs: this.inferenceMs,
      speechDetectorMs: this.speechDetectorMs,
      windowsScored: this.scored,
      windowsNotScored: this.notScored,
      windowsSkipped: this.skippedWindows(),
      framesDropped: this.framesDropped,
    };
  }

  /** The first captureSeconds of audio this pipeline scored, 16 kHz (null when not asked to capture). */
  capturedAudio(): Float32Array | null {
    return this.capture?.samples() ?? null;
  }

  private skippedWindows(): number {
    return this.earlierSkips + this.scorer.skippedWindows + this.gapWindows;
  }

  private async restartAfterGap(seq: number): Promise<ScoreEvent[]> {
    const gapFrames = seq - this.nextSeq;
    // Windows start every hopFrames; those that would have included a missing frame are lost.
    const { windowFrames, hopFrames } = this.options.model.card.input;
    this.gapWindows += Math.ceil((gapFrames + windowFrames - 1) / hopFrames);
    const old = this.scorer;
    this.earlierSkips += old.skippedWindows;
    this.scorer = this.newScorer();
    this.offset = seq * FRAME_SECONDS;
    // The old stream's pending windows still resolve; it is not end()ed, so no padded tail is invented, and
    // what the model kept for it is dropped once they have.
    void old.abandon();
    return [];
  }

  private newScorer(): StreamScorer {
    const { streamId, vad, maxPendingWindows } = this.options;
    return new StreamScorer({ model: this.timedModel, speech: this.timedSpeech, streamId, inputRate: FRAME_RATE, vad, maxPendingWindows });
  }

  private finish(events: ScoreEvent[], offset: number): ScoreEvent[] {
    const skipped = this.skippedWindows();
    return events.map((e) => {
      if (e.scored) this.scored++;
      else this.notScored++;
      const shifted = offset === 0 ? e : { ...e, start: e.start + offset, end: e.end + offset };
      return skipped > 0 ? { ...shifted, skippedWindows: skipped } : shifted;
    });
  }

  /** `target` with its `method` runs timed into `add` (same object otherwise: prototype delegation). */
  private timed<T extends object, K extends keyof T>(target: T, method: K, add: (ms: number) => void): T {
    const timed = Object.create(target) as T;
    const run = (target[method] as (...args: unknown[]) => Promise<unknown>).bind(target);
    (timed as Record<K, unknown>)[method] = async (...args: unknown[]) => {
      const t0 = this.clock();
      try {
        return await run(...args);
      } finally {
        add(this.clock() - t0);
      }
    };
    return timed;
  }
}
