/**
 * One Opus stream decoded to mono float at one of the rates libopus decodes to (8, 12, 16, 24 or 48 kHz:
 * the monitor asks for its model's 16 kHz, so no resampler runs after the decoder), with libopus's
 * packet-loss concealment for packets that never came. Sample counts here are at that output rate; RTP
 * timestamps stay on Opus's 48 kHz clock (`rtpTicksPerSample` converts). Uses opus-decoder (libopus compiled to WebAssembly; no native build, no install-time
 * download). Many instances coexist (each has its own small wasm heap).
 *
 * Concealment: libopus conceals when given an empty packet, but opus-decoder always asks it for its
 * whole 120 ms output buffer. The concealed signal is produced frame by frame (each the length of the
 * last good frame), so the first N samples are exactly what a PLC call for N samples gives; the decoder
 * state is then some frames further into the concealment than the loss, which only shapes the fade
 * back into the next good packet. Long gaps are concealed in 120 ms steps up to `maxConcealSamples`.
 */
import { opusPacketInfo, OpusPacketError } from './opus-packet.js';

/** Structural type of opus-decoder's OpusDecoder (the package is ESM-only; loaded with import()). */
interface WasmOpusDecoder {
  ready: Promise<void>;
  decodeFrame(frame: Uint8Array): { channelData: Float32Array[]; samplesDecoded: number; errors: { message: string }[] };
  free(): void;
}
type WasmOpusDecoderCtor = new (options: { channels: number; sampleRate: OpusDecodeRate }) => WasmOpusDecoder;

let decoderCtor: Promise<WasmOpusDecoderCtor> | undefined;

function loadDecoderCtor(): Promise<WasmOpusDecoderCtor> {
  decoderCtor ??= import('opus-decoder').then((m) => m.OpusDecoder as unknown as WasmOpusDecoderCtor);
  return decoderCtor;
}

/** The largest input opus-decoder's mono instance accepts (its input buffer). */
const MAX_PAYLOAD_BYTES = 3840;
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
}

export class OpusStreamDecoder {
  readonly stats: OpusDecodeStats = { decoded: 0, concealed: 0, concealedSamples: 0, corrupt: 0 };
  readonly sampleRate: OpusDecodeRate;
  /** RTP timestamp units (48 kHz) per output sample */
  readonly rtpTicksPerSample: number;
  /** samples of the last good packet: the size of one lost packet's concealment; 20 ms until known */
  private lastPacketSamples: number;
  private readonly maxConcealSamples: number;
  private closed = false;
  private resetting: Promise<void> | undefined;

  private constructor(
    private decoder: WasmOpusDecoder,
    options: OpusStreamDecoderOptions,
  ) {
    this.sampleRate = options.sampleRate ?? OPUS_RATE;
    this.rtpTicksPerSample = OPUS_RATE / this.sampleRate;
    this.lastPacketSamples = this.sampleRate / 50;
    this.maxConcealSamples = options.maxConcealSamples ?? this.sampleRate;
  }

  static async create(options: OpusStreamDecoderOptions = {}): Promise<OpusStreamDecoder> {
    const rate = options.sampleRate ?? OPUS_RATE;
    if (!(OPUS_DECODE_RATES as readonly number[]).includes(rate)) throw new RangeError(`Opus decodes to ${OPUS_DECODE_RATES.join(', ')} Hz, not ${rate}`);
    return new OpusStreamDecoder(await OpusStreamDecoder.newWasmDecoder(rate), options);
  }

  private static async newWasmDecoder(sampleRate: OpusDecodeRate): Promise<WasmOpusDecoder> {
    const Ctor = await loadDecoderCtor();
    const d = new Ctor({ channels: 1, sampleRate });
    await d.ready;
    return d;
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
    this.assertOpen();
    let error: string | undefined;
    try {
      if (payload.length > MAX_PAYLOAD_BYTES) throw new OpusPacketError(`payload of ${payload.length} bytes is too large`);
      const info = opusPacketInfo(payload);
      const out = this.decoder.decodeFrame(payload);
      if (out.errors.length > 0) throw new OpusPacketError(out.errors[0]!.message);
      this.stats.decoded++;
      this.lastPacketSamples = this.toOutput(info.samples);
      // opus-decoder copies each frame out of the wasm heap into an array of its own: taken as it is (a copy
      // per packet less). Should a version ever return a view of the heap, the next call would overwrite it:
      // anything but an exact, whole-buffer array is copied.
      const channel = out.channelData[0]!;
      const owned = channel.length === out.samplesDecoded && channel.byteOffset === 0 && channel.buffer.byteLength === channel.byteLength;
      return { samples: owned ? channel : channel.slice(0, out.samplesDecoded) };
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
      const plc = this.decoder.decodeFrame(new Uint8Array(0));
      if (plc.samplesDecoded <= 0) break; // libopus refused: leave silence rather than loop
      const take = Math.min(plc.samplesDecoded, want - filled);
      out.set(plc.channelData[0]!.subarray(0, take), filled);
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
    const fresh = await OpusStreamDecoder.newWasmDecoder(this.sampleRate);
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
