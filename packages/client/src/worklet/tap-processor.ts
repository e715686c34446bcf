/**
 * The AudioWorklet tap (runs in the audio rendering thread): downmix, resample to 16 kHz with core's
 * StreamingResampler, cut into numbered 10 ms frames, hand them to the inference worker. No DSP beyond
 * that and no inference here: the audio thread has ~2.7 ms per render quantum and must never miss it.
 *
 * Back-pressure, so a stalled worker never makes memory grow: with the shared ring the ring is the bound
 * (full ring -> frame dropped and counted); with messages, frames sent but not yet acknowledged by the
 * worker are capped at `maxInFlightFrames` and the excess is dropped and counted. Dropped frames leave a
 * hole in the frame numbers, which the worker turns into skipped windows.
 *
 * Built as a self-contained script (dist/tap-worklet.js) for audioWorklet.addModule().
 */
import { StreamingResampler } from '@callmos/core/dsp';
import { FramePacker } from '../transport/frame-packer.js';
import { FrameRingWriter } from '../transport/frame-ring.js';
import { FRAME_RATE, FRAME_SAMPLES } from '../transport/frames.js';
import { TAP_PROCESSOR_NAME, type TapOptions, type WorkerToWorklet, type WorkletToWorker } from '../transport/protocol.js';
import { downmixInto } from './downmix.js';

// AudioWorkletGlobalScope declarations (not in lib.dom's main-thread types).
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor(options?: unknown);
}
declare function registerProcessor(name: string, ctor: new (options: { processorOptions: TapOptions }) => AudioWorkletProcessor): void;

class TapProcessor extends AudioWorkletProcessor {
  private readonly options: TapOptions;
  private readonly resampler = new StreamingResampler(sampleRate, FRAME_RATE);
  private readonly packer = new FramePacker();
  private readonly mono = new Float32Array(128);
  private readonly ring: FrameRingWriter | null;
  private worker: MessagePort | null = null;
  private formatSent = false;
  private stopped = false;
  // messages transport
  private batch: Float32Array;
  private batchFrames = 0;
  private batchSeq = 0;
  private acked = 0;
  private dropped = 0;
  private readonly sink = (seq: number, frame: Float32Array) => this.onFrame(seq, frame);

  constructor(options: { processorOptions: TapOptions }) {
    super();
    this.options = options.processorOptions;
    this.ring = this.options.transport === 'shared-ring' && this.options.ring ? new FrameRingWriter(this.options.ring) : null;
    this.batch = new Float32Array(this.options.framesPerMessage * FRAME_SAMPLES);
    this.port.onmessage = (e: MessageEvent) => {
      const msg = e.data as { type: string; port?: MessagePort };
      if (msg.type === 'connect' && msg.port) {
        this.worker = msg.port;
        this.worker.onmessage = (a: MessageEvent<WorkerToWorklet>) => {
          if (a.data.type === 'ack') this.acked = Math.max(this.acked, a.data.upTo);
        };
      } else if (msg.type === 'stop') {
        this.stopped = true;
      }
    };
  }

  process(inputs: Float32Array[][]): boolean {
    if (this.stopped) return false;
    const input = inputs[0];
    // No channels: the source has nothing connected (e.g. the track ended). Nothing to score.
    if (!input || input.length === 0 || this.worker === null) return true;
    if (!this.formatSent) {
      this.post({ type: 'format', sampleRate, channels: input.length });
      this.formatSent = true;
    }
    const mono = downmixInto(input, this.mono);
    this.packer.push(this.resampler.process(mono), this.sink);
    return true;
  }

  private onFrame(seq: number, frame: Float32Array): void {
    if (this.ring) {
      this.ring.write(seq, frame);
      return;
    }
    if (this.batchFrames === 0) this.batchSeq = seq;
    this.batch.set(frame, this.batchFrames * FRAME_SAMPLES);
    this.batchFrames++;
    if (this.batchFrames < this.options.framesPerMessage) return;
    const frames = this.batchFrames;
    this.batchFrames = 0;
    if (this.batchSeq + frames - this.acked > this.options.maxInFlightFrames) {
      this.dropped += frames; // the worker is this far behind: drop rather than queue without bound
      return;
    }
    const samples = this.batch;
    this.batch = new Float32Array(this.options.framesPerMessage * FRAME_SAMPLES);
    this.post({ type: 'frames', seq: this.batchSeq, samples, dropped: this.dropped }, [samples.buffer]);
  }

  private post(msg: WorkletToWorker, transfer: Transferable[] = []): void {
    this.worker!.postMessage(msg, transfer);
  }
}

registerProcessor(TAP_PROCESSOR_NAME, TapProcessor);
