/**
 * One Opus stream decoded to mono float at one of the rates libopus decodes to (8, 12, 16, 24 or 48 kHz:
 * the monitor asks for its model's 16 kHz, so no resampler runs after the decoder), with libopus's
 * packet-loss concealment for packets that never came. Sample counts here are at that output rate; RTP
 * timestamps stay on Opus's 48 kHz clock (`rtpTicksPerSample` converts). Uses opus-decoder's libopus
 * (compiled to WebAssembly; no native build, no install-time download); the decoder states of many streams
 * share a few wasm heaps (opus-wasm-heap.ts).
 *
 * Concealment: libopus conceals when given an empty packet, but opus-decoder always asks it for its
 * whole 120 ms output buffer. The concealed signal is produced frame by frame (each the length of the
 * last good frame), so the first N samples are exactly what a PLC call for N samples gives; the decoder
 * state is then some frames further into the concealment than the loss, which only shapes the fade
 * back into the next good packet. Long gaps are concealed in 120 ms steps up to `maxConcealSamples`.
 */
import { opusPacketInfo, OpusPacketError } from './opus-packet.js';
import { openOpusFrameDecoder, type OpusFrameDecoder } from './opus-wasm-heap.js';

/** an empty packet: libopus conceals one lost packet */
const NO_PACKET = new Uint8Array(0);
/** Opus's RTP clock rate (RFC 7587), whatever rate the audio is decoded at */
export const OPUS_RATE = 48000;
/** the output rates libopus decodes to */
export const OPUS_DECODE_RATES = [8000, 12000, 16000, 24000, 48000] as const;
export type OpusDecodeRate = (typeof OPUS_DECODE_RATES)[number];

/** `rate` when libopus decodes to it, else 48 kHz (the caller's resampler then takes it from there). */
export function opusDecodeRateFor(rate: number): OpusDecodeRate {
  return (OPUS_DECODE_RATES as readonly number[]).includes(rate) ? (rate as OpusDecodeRate) : OPUS_RATE;
}

export interface OpusDecodeStats {
  /** packets decoded */
  decoded: number;
  /** packets concealed (lost, or corrupt and replaced by concealment) */
  concealed: number;
  /** samples of concealment produced */
  concealedSamples: number;
  /** packets rejected as malformed (framing or libopus error) */
  corrupt: number;
}

export interface OpusStreamDecoderOptions {
  /** output rate; default 48000 */
  sampleRate?: OpusDecodeRate;
  /** concealment for one gap is capped at this many output samples (default 1 s); longer gaps are not filled */
  maxConcealSamples?: number;
  /**
   * false: a wasm instance of its own (28 MiB of memory V8 counts as external) instead of a state in a heap
   * shared with other streams (~29 KiB); the same libopus either way. Default true
   */
  sharedHeap?: boolean;
}

export class OpusStreamDecoder {
  readonly stats: OpusDecodeStats = { decoded: 0, concealed: 0, concealedSamples: 0, corrupt: 0 };
  readonly sampleRate: OpusDecodeRate;
  /** RTP timestamp units (48 kHz) per output sample */
  readonly rtpTicksPerSample: number;
  /** samples of the last good packet: the size of one lost packet's concealment; 20 ms until known */
  private lastPacketSamples: number;
  private readonly maxConcealSamples: number;
  private readonly sharedHeap: boolean;
  private closed = false;
  private resetting: Promise<void> | undefined;

  private constructor(
    private decoder: OpusFrameDecoder,
    options: OpusStreamDecoderOptions,
  ) {
    this.sampleRate = options.sampleRate ?? OPUS_RATE;
    this.rtpTicksPerSample = OPUS_RATE / this.sampleRate;
    this.lastPacketSamples = this.sampleRate / 50;
    this.maxConcealSamples = options.maxConcealSamples ?? this.sampleRate;
    this.sharedHeap = options.sharedHeap ?? true;
  }

  static async create(options: OpusStreamDecoderOptions = {}): Promise<OpusStreamDecoder> {
    const rate = options.sampleRate ?? OPUS_RATE;
    if (!(OPUS_DECODE_RATES as readonly number[]).includes(rate)) throw new RangeError(`Opus decodes to ${OPUS_DECODE_RATES.join(', ')} Hz, not ${rate}`);
    return new OpusStreamDecoder(await openOpusFrameDecoder(rate, options.sharedHeap ?? true), options);
  }

  /** Output samples of `frames48k` samples at Opus's 48 kHz (a packet's TOC counts in those). */
  private toOutput(frames48k: number): number {
    return frames48k / this.rtpTicksPerSample;
  }

  /**
   * Decodes one packet's payload. A malformed packet is counted and concealed like a lost one (the
   * listener would hear concealment there too); the error is returned, never thrown.
   */
  decode(payload: Uint8Array): { samples: Float32Array; error?: string } {
    return this.decodePacket(payload, true);
  }

  /**
   * decode() without the copy: `samples` may be a view that the next decode of any stream overwrites, for a
   * caller that has copied what it needs before then (AudioStream: its window producer copies as it goes).
   * A 64-stream monitor saves 3,200 arrays a second.
   */
  decodeTransient(payload: Uint8Array): { samples: Float32Array; error?: string } {
    return this.decodePacket(payload, false);
  }

  private decodePacket(payload: Uint8Array, keep: boolean): { samples: Float32Array; error?: string } {
    this.assertOpen();
    let error: string | undefined;
    try {
      const info = opusPacketInfo(payload);
      // a payload over the decoder's input buffer comes back as an error too
      const out = this.decoder.decode(payload);
      if (out.error !== undefined) throw new OpusPacketError(out.error);
      this.stats.decoded++;
      this.lastPacketSamples = this.toOutput(info.samples);
      // the decoder's output is a view the next decode (of any stream in its heap) overwrites
      return keep ? { samples: out.samples.slice() } : out;
    } catch (err) {
      if (!(err instanceof OpusPacketError)) throw err;
      error = err.message;
    }
    this.stats.corrupt++;
    return { samples: this.conceal(1), error };
  }

  /** Output samples `payload` decodes to (or, malformed, the concealment that replaces it), without decoding it. */
  samplesOf(payload: Uint8Array): number {
    try {
      return this.toOutput(opusPacketInfo(payload).samples);
    } catch (err) {
      if (!(err instanceof OpusPacketError)) throw err;
      return this.lastPacketSamples;
    }
  }

  /** Samples of concealment `packets` lost packets get: each as long as the last good one, capped at maxConcealSamples. */
  concealLength(packets: number): number {
    return Math.min(packets * this.lastPacketSamples, this.maxConcealSamples);
  }

  /** Concealment for `packets` lost packets (concealLength samples, or `limit` if fewer). */
  conceal(packets: number, limit = Infinity): Float32Array {
    this.assertOpen();
    const want = Math.max(0, Math.min(this.concealLength(packets), limit));
    const out = new Float32Array(want);
    let filled = 0;
    while (filled < want) {
      const plc = this.decoder.decode(NO_PACKET).samples;
      if (plc.length === 0) break; // libopus refused: leave silence rather than loop
      const take = Math.min(plc.length, want - filled);
      out.set(plc.subarray(0, take), filled);
      filled += take;
    }
    this.stats.concealed += packets;
    this.stats.concealedSamples += want;
    return out;
  }

  /**
   * Starts a fresh decoder (new SSRC or sequence restart: the old state would only smear across the cut).
   * A reset asked for while one is under way is that one: a sender that changes SSRC on every packet
   * costs one new decoder at a time, not one per packet.
   */
  reset(): Promise<void> {
    this.assertOpen();
    this.resetting ??= this.swapDecoder().finally(() => (this.resetting = undefined));
    return this.resetting;
  }

  private async swapDecoder(): Promise<void> {
    const fresh = await openOpusFrameDecoder(this.sampleRate, this.sharedHeap);
    if (this.closed) return fresh.free();
    this.decoder.free();
    this.decoder = fresh;
    this.lastPacketSamples = this.sampleRate / 50;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.decoder.free();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('OpusStreamDecoder is closed');
  }
}
