/**
 * One monitored stream, transport-agnostic: RTP bytes in, ScoreEvents out, in window order.
 *
 *   RTP bytes -> parseRtp -> JitterBuffer -> OpusStreamDecoder (PLC for losses) -> mono at the decoder's
 *     rate (the model's 16 kHz: libopus decodes to it, no resampler) -> WindowProducer (core: STFT, windows,
 *     speech gate) -> SpeechDetector (Silero VAD) -> TeacherPool -> ScoreEvent
 *
 * Bad input never throws out of pushRtp: malformed RTP and corrupt Opus are counted, and the stream goes
 * on. Timestamps (Opus's 48 kHz RTP clock, whatever the decode rate): a gap between in-order packets up to
 * `maxSilenceFillMs` (Opus DTX) is filled with
 * silence so stream time keeps pace with the sender; a larger jump (a pause, a restarted sender) or a
 * step back is counted and not filled. Silence and concealment together are bounded by the wall clock
 * (WallClockBudget, capacity maxSilenceFillMs + 1 s): gaps claiming more time than has passed are
 * filled in part or not at all, and counted (fillThrottled). Decoded audio has its own budget
 * (maxLeadMs ahead of real time): packets of a sender faster than real time beyond it are dropped
 * before decoding, and counted (overRate), so one stream cannot take the process's CPU from the others.
 */
import { Logger, SpeechDetector, type NetworkQuality, type SileroVad, type ScoreEvent, type VadOptions } from '@callmos/core';
import { notScoredOutcome, WindowProducer, windowEvent, type ReadyWindow, type WindowOutcome } from '@callmos/core/pipeline';
import { parseRtp, RtpParseError } from '../rtp/rtp-packet.js';
import { JitterBuffer, type JitterBufferOptions, type JitterBufferStats, type JitterOutput } from '../rtp/jitter-buffer.js';
import { OPUS_RATE, type OpusDecodeStats, type OpusStreamDecoder } from './opus-stream-decoder.js';
import { WallClockBudget } from './wall-clock-budget.js';
import type { TeacherPool } from '../pool/teacher-pool.js';

const logger = new Logger('server:audio-stream');

export interface AudioStreamOptions {
  streamId: string;
  pool: TeacherPool;
  decoder: OpusStreamDecoder;
  /** called with each event, in window order */
  onEvent: (event: ScoreEvent) => void;
  /** only RTP with this payload type is decoded (others are counted as foreign); default: any */
  payloadType?: number;
  jitter?: JitterBufferOptions;
  vad?: VadOptions;
  /** the speech detector's model, shared by the streams: windows it finds no speech in are not scored */
  speech?: SileroVad;
  /** in-order timestamp gaps up to this are filled with silence (DTX); default 2000 ms */
  maxSilenceFillMs?: number;
  /** how far decoded audio may run ahead of the wall clock (bursts), ms; default 10000 */
  maxLeadMs?: number;
  /** receives the decoded audio too, at the decoder's rate (external teachers); valid only during the call: copy what is kept */
  onAudio?: (samples: Float32Array) => void;
  /** adds fields to each event before it is emitted (external teacher scores) */
  decorate?: (event: ScoreEvent, window: ReadyWindow) => ScoreEvent | Promise<ScoreEvent>;
  now?: () => number;
}

export interface AudioStreamStats {
  rtpPackets: number;
  /** not RTP, or a header that does not parse */
  malformed: number;
  /** RTP with another payload type */
  foreign: number;
  jitter: JitterBufferStats;
  opus: OpusDecodeStats;
  /** in-order timestamp gaps filled with silence */
  silenceFills: number;
  /** timestamp jumps (forward beyond maxSilenceFillMs, or backwards) left unfilled */
  timestampJumps: number;
  /** gaps (timestamp or lost packets) filled in part or not at all: they claimed more time than had passed */
  fillThrottled: number;
  /** packets dropped undecoded: the sender is faster than real time by more than maxLeadMs */
  overRate: number;
  /** decoder resets (new SSRC, sequence restart) that failed; the old decoder went on */
  decoderErrors: number;
  windows: number;
  scored: number;
  skippedWindows: number;
  errors: number;
  /** seconds of audio fed to the scorer */
  duration: number;
}

/** Stats of a stream that has not started (no consumer yet). */
export function emptyStreamStats(): AudioStreamStats {
  return {
    rtpPackets: 0, malformed: 0, foreign: 0, silenceFills: 0, timestampJumps: 0, fillThrottled: 0, overRate: 0, decoderErrors: 0,
    windows: 0, scored: 0, skippedWindows: 0, errors: 0, duration: 0,
    jitter: { received: 0, released: 0, lost: 0, late: 0, duplicates: 0, resets: 0, reordered: 0 },
    opus: { decoded: 0, concealed: 0, concealedSamples: 0, corrupt: 0 },
  };
}

/** Differences this small (RTP ticks) between expected and actual timestamps are packet-duration noise, not gaps. */
const TIMESTAMP_SLACK = 2880;

export class AudioStream {
  readonly streamId: string;
  private readonly pool: TeacherPool;
  private readonly decoder: OpusStreamDecoder;
  private readonly jitter: JitterBuffer;
  private readonly producer: WindowProducer;
  private readonly detector: SpeechDetector | undefined;
  private readonly onEvent: (event: ScoreEvent) => void;
  private readonly options: AudioStreamOptions;
  /** the longest in-order timestamp gap filled with silence, RTP ticks (48 kHz) */
  private readonly maxFillTicks: number;
  /** RTP ticks per decoded sample */
  private readonly ticksPerSample: number;
  private readonly synthetic: WallClockBudget;
  private readonly decoding: WallClockBudget;
  private readonly now: () => number;
  private readonly counts = {
    rtpPackets: 0, malformed: 0, foreign: 0, silenceFills: 0, timestampJumps: 0, fillThrottled: 0, overRate: 0, decoderErrors: 0,
    windows: 0, scored: 0, skippedWindows: 0, errors: 0,
  };
  private expectedTimestamp: number | undefined;
  private network: NetworkQuality | undefined;
  /** events leave in window order: each waits for the previous one */
  private tail: Promise<void> = Promise.resolve();
  private ended = false;

  constructor(options: AudioStreamOptions) {
    this.options = options;
    this.streamId = options.streamId;
    this.pool = options.pool;
    this.decoder = options.decoder;
    this.onEvent = options.onEvent;
    this.now = options.now ?? Date.now;
    this.jitter = new JitterBuffer(options.jitter);
    const rate = options.decoder.sampleRate;
    this.ticksPerSample = options.decoder.rtpTicksPerSample;
    this.maxFillTicks = ((options.maxSilenceFillMs ?? 2000) * OPUS_RATE) / 1000;
    // one longest silence fill plus one longest concealment (1 s) may come at once; more only as time passes
    this.synthetic = new WallClockBudget(this.maxFillTicks / this.ticksPerSample + rate, rate, this.now);
    this.decoding = new WallClockBudget(((options.maxLeadMs ?? 10_000) * rate) / 1000, rate, this.now);
    this.detector = options.speech ? new SpeechDetector(options.speech, options.vad?.detector) : undefined;
    this.producer = new WindowProducer({ card: options.pool.model.card, inputRate: rate, vad: options.vad, detector: this.detector, now: this.now });
  }

  get stats(): AudioStreamStats {
    return { ...this.counts, jitter: { ...this.jitter.stats }, opus: { ...this.decoder.stats }, duration: this.producer.duration };
  }

  /** Latest network quality (E-model over the producer's RTP stats), carried by the next events. */
  setNetwork(network: NetworkQuality | undefined): void {
    this.network = network;
  }

  get latestNetwork(): NetworkQuality | undefined {
    return this.network;
  }

  /** One RTP packet as received. Never throws for bad bytes. */
  pushRtp(bytes: Uint8Array): void {
    if (this.ended) return;
    let outputs: JitterOutput[];
    try {
      const packet = parseRtp(bytes);
      if (this.options.payloadType !== undefined && packet.payloadType !== this.options.payloadType) {
        this.counts.foreign++;
        return;
      }
      this.counts.rtpPackets++;
      outputs = this.jitter.push(packet);
    } catch (err) {
      if (!(err instanceof RtpParseError)) throw err;
      this.counts.malformed++;
      return;
    }
    this.play(outputs);
  }

  /** Releases what the jitter buffer holds (before a pause, so the held audio is scored now). */
  drain(): void {
    if (!this.ended) this.play(this.jitter.flush());
  }

  /**
   * Ends the stream: the jitter buffer and the core pipeline are flushed (a stream shorter than a window
   * is scored by the short-clip rule), and the promise resolves once every event has been emitted.
   */
  async end(): Promise<void> {
    if (!this.ended) {
      this.play(this.jitter.flush());
      this.ended = true;
      this.score(this.producer.end());
    }
    await this.tail;
    await this.pool.forget(this.streamId); // its last window is scored: what streamed inference kept for it goes
  }

  private play(outputs: JitterOutput[]): void {
    for (const out of outputs) {
      if (out.kind === 'packet') {
        const length = this.decoder.samplesOf(out.packet.payload);
        if (!this.decoding.takeAll(length)) {
          this.counts.overRate++;
          this.expectedTimestamp = (out.packet.timestamp + length * this.ticksPerSample) >>> 0; // not a gap for the next packet
          continue;
        }
        this.checkTimestamp(out.packet.timestamp);
        // a view of the decoder's output, valid until the next decode: feed() copies what it keeps before then
        const { samples } = this.decoder.decodeTransient(out.packet.payload);
        this.expectedTimestamp = (out.packet.timestamp + samples.length * this.ticksPerSample) >>> 0;
        this.feed(samples);
      } else if (out.kind === 'lost') {
        const wanted = this.decoder.concealLength(out.count);
        const granted = this.synthetic.take(wanted);
        if (granted < wanted) this.counts.fillThrottled++;
        const samples = this.decoder.conceal(out.count, granted);
        // timestamps move on by what the lost packets held, whether or not all of it was concealed
        if (this.expectedTimestamp !== undefined) this.expectedTimestamp = (this.expectedTimestamp + wanted * this.ticksPerSample) >>> 0;
        this.feed(samples);
      } else {
        // New SSRC or restarted numbering: the old decoder state and timestamps no longer apply.
        this.expectedTimestamp = undefined;
        this.decoder.reset().catch((err: unknown) => {
          // the old decoder goes on meanwhile
          this.counts.decoderErrors++;
          logger.warn(`stream ${this.streamId}: resetting the Opus decoder failed: ${String(err)}`);
        });
      }
    }
  }

  private checkTimestamp(ts: number): void {
    if (this.expectedTimestamp === undefined) return;
    const gap = (ts - this.expectedTimestamp) | 0; // signed 32-bit difference, RTP ticks
    if (Math.abs(gap) <= TIMESTAMP_SLACK) return;
    if (gap > 0 && gap <= this.maxFillTicks) {
      const wanted = Math.round(gap / this.ticksPerSample);
      const granted = this.synthetic.take(wanted);
      if (granted < wanted) this.counts.fillThrottled++;
      if (granted === 0) return;
      this.counts.silenceFills++;
      this.feed(new Float32Array(granted));
    } else {
      this.counts.timestampJumps++;
    }
  }

  private feed(samples: Float32Array): void {
    if (samples.length === 0) return;
    this.options.onAudio?.(samples);
    this.score(this.producer.push(samples));
  }

  private score(windows: ReadyWindow[]): void {
    for (const raw of windows) {
      this.counts.windows++;
      const judged = this.outcomeOf(raw);
      // A listener that throws must not break the chain for the windows after it (logged, like mediasoup's safeEmit).
      this.tail = this.tail
        .then(async () => {
          const { window, outcome } = await judged;
          await this.emit(window, outcome);
        })
        .catch((err: unknown) => logger.error(`stream ${this.streamId}: the event listener threw`, err));
    }
  }

  /** The detector's verdict (when there is one), then the pool's score for a window with speech. Never rejects. */
  private async outcomeOf(raw: ReadyWindow): Promise<{ window: ReadyWindow; outcome: WindowOutcome }> {
    let window = raw;
    if (this.detector) {
      try {
        const verdict = await this.detector.judge(raw);
        window = verdict.window;
        if (verdict.skipped) return { window, outcome: notScoredOutcome('skipped-backlog') };
      } catch (err) {
        return { window, outcome: notScoredOutcome('error', err instanceof Error ? err.message : String(err)) };
      }
    }
    return { window, outcome: window.speech ? await this.pool.submit(this.streamId, window) : notScoredOutcome('no-speech') };
  }

  private async emit(window: ReadyWindow, outcome: WindowOutcome): Promise<void> {
    if (outcome.scored) this.counts.scored++;
    else if (outcome.reason === 'skipped-backlog') this.counts.skippedWindows++;
    else if (outcome.reason === 'error') this.counts.errors++;
    let event = windowEvent(window, outcome, {
      streamId: this.streamId,
      model: this.pool.model.id,
      now: this.now(),
      skippedWindows: this.counts.skippedWindows,
    });
    if (this.network) event = { ...event, network: this.network };
    if (this.options.decorate) {
      try {
        event = await this.options.decorate(event, window);
      } catch (err) {
        // an external teacher failing must not cost the stream its main score
        logger.warn(`stream ${this.streamId}: decorating the event failed (the event goes out without it): ${String(err)}`);
      }
    }
    this.onEvent(event);
  }
}
