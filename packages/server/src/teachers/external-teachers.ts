/**
 * Optional external teachers beside the callmos model: DNSMOS P.835 and PLCMOS v2, for users who hold
 * those models (paths; they are not shipped). They are far costlier than the student (DNSMOS about 1 s of
 * CPU per 9 s window), so they do not score every window: each stream's latest `clipSeconds` of 16 kHz
 * audio is scored every `intervalSec` of stream time, one job at a time for the whole monitor (at most
 * one waiting per stream; a newer clip replaces an older one). Their latest scores ride on the stream's
 * events as `extra` (dnsmos_sig, dnsmos_bak, dnsmos_ovrl, plcmos).
 */
import { Logger, type ScoreEvent } from '@callmos/core';
import { StreamingResampler } from '@callmos/core/dsp';
import type { OrtBackendOptions } from '@callmos/node';
import { DnsmosP835, DNSMOS_WINDOW } from './dnsmos-p835.js';
import { PlcmosV2 } from './plcmos-v2.js';

const logger = new Logger('server:external-teachers');

export interface ExternalTeachersOptions {
  /** path of DNSMOS's sig_bak_ovr.onnx */
  dnsmos?: string;
  /** path of plcmos_v2.onnx */
  plcmos?: string;
  /** stream seconds between two teacher runs on a stream; default 10 */
  intervalSec?: number;
  /** PLCMOS rater rounds (the reference uses 15); default 5 */
  plcmosRounds?: number;
}

export interface StreamHooks {
  /** the stream's decoded audio, at the rate given to hooksFor */
  onAudio: (samples: Float32Array) => void;
  decorate: (event: ScoreEvent) => ScoreEvent;
}

/** The last `capacity` samples of a stream. */
class RecentAudio {
  private readonly ring: Float32Array;
  private written = 0;

  constructor(capacity: number) {
    this.ring = new Float32Array(capacity);
  }

  get total(): number {
    return this.written;
  }

  append(x: Float32Array): void {
    for (let i = 0; i < x.length; i++) this.ring[(this.written + i) % this.ring.length] = x[i]!;
    this.written += x.length;
  }

  /** The held samples in time order. */
  snapshot(): Float32Array {
    const n = Math.min(this.written, this.ring.length);
    const out = new Float32Array(n);
    const start = this.written - n;
    for (let i = 0; i < n; i++) out[i] = this.ring[(start + i) % this.ring.length]!;
    return out;
  }
}

interface StreamState {
  resampler: StreamingResampler;
  recent: RecentAudio;
  nextRunAt: number;
  extra: Record<string, number> | undefined;
}

export class ExternalTeachers {
  readonly names: string[];
  private readonly streams = new Map<string, StreamState>();
  private readonly jobs = new Map<string, Float32Array>();
  private running: Promise<void> | undefined;
  private released = false;
  private readonly intervalSamples: number;

  private constructor(
    private readonly dnsmos: DnsmosP835 | undefined,
    private readonly plcmos: PlcmosV2 | undefined,
    intervalSec: number,
  ) {
    this.names = [dnsmos?.name, plcmos?.name].filter((n): n is 'dnsmos' | 'plcmos' => n !== undefined);
    this.intervalSamples = intervalSec * 16000;
  }

  static async load(options: ExternalTeachersOptions, backend: OrtBackendOptions = {}): Promise<ExternalTeachers> {
    const intervalSec = options.intervalSec ?? 10;
    if (!(intervalSec > 0 && Number.isFinite(intervalSec))) throw new RangeError(`teachers.intervalSec must be > 0, got ${options.intervalSec}`);
    const dnsmos = options.dnsmos ? await DnsmosP835.load(options.dnsmos, backend) : undefined;
    try {
      const plcmos = options.plcmos ? await PlcmosV2.load(options.plcmos, { ...backend, rounds: options.plcmosRounds ?? 5 }) : undefined;
      return new ExternalTeachers(dnsmos, plcmos, intervalSec);
    } catch (err) {
      await dnsmos?.release();
      throw err;
    }
  }

  /** The AudioStream hooks for one stream. */
  hooksFor(streamId: string, sampleRate: number): StreamHooks {
    const state: StreamState = {
      resampler: new StreamingResampler(sampleRate, 16000), // a pass-through when the stream is decoded at 16 kHz
      recent: new RecentAudio(DNSMOS_WINDOW),
      nextRunAt: this.intervalSamples,
      extra: undefined,
    };
    this.streams.set(streamId, state);
    return {
      onAudio: (samples) => {
        state.recent.append(state.resampler.process(samples));
        if (state.recent.total >= state.nextRunAt) {
          state.nextRunAt = state.recent.total + this.intervalSamples;
          this.jobs.set(streamId, state.recent.snapshot());
          void this.drain();
        }
      },
      decorate: (event) => (state.extra ? { ...event, extra: { ...event.extra, ...state.extra } } : event),
    };
  }

  /** Forget a stream (its producer closed). */
  drop(streamId: string): void {
    this.streams.delete(streamId);
    this.jobs.delete(streamId);
  }

  /** Runs queued clips one at a time; a failing teacher leaves the stream's previous scores in place. */
  private drain(): Promise<void> {
    this.running ??= this.runJobs().finally(() => (this.running = undefined));
    return this.running;
  }

  private async runJobs(): Promise<void> {
    for (let next = this.jobs.entries().next(); !next.done && !this.released; next = this.jobs.entries().next()) {
      const [streamId, clip] = next.value;
      this.jobs.delete(streamId);
      const extra: Record<string, number> = {};
      try {
        if (this.dnsmos) {
          const s = await this.dnsmos.score(clip);
          Object.assign(extra, { dnsmos_sig: s.sig, dnsmos_bak: s.bak, dnsmos_ovrl: s.ovrl });
        }
        if (this.plcmos) extra.plcmos = await this.plcmos.score(clip);
      } catch (err) {
        // The stream keeps its previous teacher scores; the next clip tries again.
        logger.warn(`stream ${streamId}: external teacher failed: ${(err as Error).message ?? String(err)}`);
        continue;
      }
      const state = this.streams.get(streamId);
      if (state) state.extra = extra;
    }
  }

  async release(): Promise<void> {
    this.released = true;
    this.jobs.clear();
    await this.running; // never release a session in the middle of a run
    await Promise.all([this.dnsmos?.release(), this.plcmos?.release()]);
  }
}
