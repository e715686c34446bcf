/**
 * libopus decoder states for many streams in a few shared WebAssembly heaps.
 *
 * Why: opus-decoder gives each OpusDecoder its own wasm instance, whose fixed 28 MiB memory V8 counts as
 * external memory. With one decoder per monitored stream, 64 streams meant 1.9 GB of it, and V8 answers
 * external memory that large with a full mark-compact every ~200 ms (bench, tiny at 64 streams per core:
 * 150 mark-compacts in 24 s; garbage collection took ~9 % of the main thread and four helper threads at
 * 0.06 cores each). Here one instance of the same wasm build (the same libopus functions opus-decoder calls)
 * holds the states of ~1000 streams (~29 KiB each, one shared input and output buffer, memory that never
 * grows), and a new heap opens only when one is full.
 *
 * The heap's functions are opus-decoder's own (its emscripten module, reached through an instance): should a
 * release stop exposing them, `openOpusFrameDecoder` falls back to one OpusDecoder per stream through its
 * public API, with a warning once, so the monitor keeps working at the old cost.
 */
import { Logger } from '@callmos/core';

const logger = new Logger('server:opus-wasm-heap');

/** The largest input opus-decoder's mono instance accepts (its input buffer). */
const MAX_PAYLOAD_BYTES = 3840;
/** 120 ms at 48 kHz: the most samples one call writes (opus-decoder's output buffer per channel) */
const OUTPUT_FLOATS = 5760;

/** One stream's libopus decoder. */
export interface OpusFrameDecoder {
  /**
   * Decodes one packet (an empty one: libopus's concealment of a lost packet). `samples` is valid only until
   * the next decode of any decoder (a view of a shared buffer): copy what is kept. On a libopus error,
   * `samples` is empty and `error` says why.
   */
  decode(payload: Uint8Array): { samples: Float32Array; error?: string };
  /** Frees the state; the decoder must not be used again. */
  free(): void;
}

/** The emscripten module's exports as opus-decoder 0.7 keeps them (OpusDecoder#_common.wasm). */
interface OpusWasm {
  HEAP: ArrayBuffer;
  malloc(bytes: number): number;
  free(ptr: number): void;
  opus_frame_decoder_create(rate: number, channels: number, streams: number, coupled: number, mapping: number, preSkip: number, forceStereo: number): number;
  opus_frame_decode_float_deinterleaved(decoder: number, input: number, length: number, output: number): number;
  opus_frame_decoder_destroy(decoder: number): void;
}

/** opus-decoder's public decoder, as the fallback uses it. */
interface PublicOpusDecoder {
  ready: Promise<void>;
  decodeFrame(frame: Uint8Array): { channelData: Float32Array[]; samplesDecoded: number; errors: { message: string }[] };
  free(): void;
}
type PublicOpusDecoderCtor = new (options: { channels: number; sampleRate: number }) => PublicOpusDecoder;

const LIBOPUS_ERRORS = new Map([
  [-1, 'OPUS_BAD_ARG: One or more invalid/out of range arguments'],
  [-2, 'OPUS_BUFFER_TOO_SMALL: Not enough bytes allocated in the buffer'],
  [-3, 'OPUS_INTERNAL_ERROR: An internal error was detected'],
  [-4, 'OPUS_INVALID_PACKET: The compressed data passed is corrupted'],
  [-5, 'OPUS_UNIMPLEMENTED: Invalid/unsupported request number'],
  [-6, 'OPUS_INVALID_STATE: An encoder or decoder structure is invalid or already freed'],
  [-7, 'OPUS_ALLOC_FAIL: Memory allocation has failed'],
]);

const EMPTY = new Float32Array(0);
/** a new decoder state is made only where this much could be allocated at once */
const STATE_HEADROOM_BYTES = 128 * 1024;

let ctor: Promise<PublicOpusDecoderCtor> | undefined;
const loadCtor = (): Promise<PublicOpusDecoderCtor> => (ctor ??= import('opus-decoder').then((m) => m.OpusDecoder as unknown as PublicOpusDecoderCtor));

/** One wasm instance: its memory, the shared input/output buffers, and how many decoder states live in it. */
class OpusWasmHeap {
  live = 0;
  private readonly bytes: Uint8Array;
  private readonly floats: Float32Array;

  private constructor(
    private readonly wasm: OpusWasm,
    private readonly host: PublicOpusDecoder,
    private readonly input: number,
    private readonly output: number,
    private readonly mapping: number,
  ) {
    // the memory never grows (opus-decoder's build refuses to resize), so these views stay valid
    this.bytes = new Uint8Array(wasm.HEAP);
    this.floats = new Float32Array(wasm.HEAP);
  }

  /** A fresh instance; throws when opus-decoder does not expose the functions this relies on. */
  static async open(): Promise<OpusWasmHeap> {
    const Ctor = await loadCtor();
    const host = new Ctor({ channels: 1, sampleRate: 48000 });
    await host.ready;
    const wasm = (host as unknown as { _common?: { wasm?: Partial<OpusWasm> } })._common?.wasm;
    const fns = ['malloc', 'free', 'opus_frame_decoder_create', 'opus_frame_decode_float_deinterleaved', 'opus_frame_decoder_destroy'] as const;
    if (!wasm || !(wasm.HEAP instanceof ArrayBuffer) || fns.some((f) => typeof wasm[f] !== 'function')) {
      host.free();
      throw new Error('this opus-decoder release does not expose its wasm module as 0.7 did');
    }
    const w = wasm as OpusWasm;
    const input = w.malloc(MAX_PAYLOAD_BYTES);
    const output = w.malloc(OUTPUT_FLOATS * 4);
    const mapping = w.malloc(1);
    if (!input || !output || !mapping) throw new Error('a fresh libopus heap has no room for its buffers');
    new Uint8Array(w.HEAP, mapping, 1)[0] = 0; // mono: output channel 0 is stream 0
    return new OpusWasmHeap(w, host, input, output, mapping);
  }

  /** A decoder state at `rate` in this heap, or undefined when the heap is full. */
  create(rate: number): OpusFrameDecoder | undefined {
    // opus_frame_decoder_create returns its wrapper even when libopus's own state did not fit (a decoder
    // that then decodes nothing): it is only called where a block well over a state's size (~29 KiB) fits
    const probe = this.wasm.malloc(STATE_HEADROOM_BYTES);
    if (!probe) return undefined;
    this.wasm.free(probe);
    const state = this.wasm.opus_frame_decoder_create(rate, 1, 1, 0, this.mapping, 0, 0);
    if (!state) return undefined;
    this.live++;
    let freed = false;
    return {
      decode: (payload) => {
        if (freed) throw new Error('the Opus decoder was freed');
        if (payload.length > MAX_PAYLOAD_BYTES) return { samples: EMPTY, error: `payload of ${payload.length} bytes is too large` };
        this.bytes.set(payload, this.input);
        const n = this.wasm.opus_frame_decode_float_deinterleaved(state, this.input, payload.length, this.output);
        if (n < 0) return { samples: EMPTY, error: `libopus ${n} ${LIBOPUS_ERRORS.get(n) ?? 'Unknown Error'}` };
        const at = this.output >> 2;
        return { samples: this.floats.subarray(at, at + n) };
      },
      free: () => {
        if (freed) return;
        freed = true;
        this.wasm.opus_frame_decoder_destroy(state);
        if (--this.live === 0) releaseIfSpare(this);
      },
    };
  }

  close(): void {
    this.host.free();
  }
}

let heaps: OpusWasmHeap[] = [];
let opening: Promise<OpusWasmHeap> | undefined;
let sharedHeapsFailed = false;

/**
 * A decoder of mono Opus to `rate` (8, 12, 16, 24 or 48 kHz), in a shared heap where there is room;
 * `shared: false` gives it a wasm instance of its own (opus-decoder's public API, as before the heaps).
 */
export async function openOpusFrameDecoder(rate: number, shared = true): Promise<OpusFrameDecoder> {
  if (shared && !sharedHeapsFailed) {
    try {
      return await sharedDecoder(rate);
    } catch (err) {
      sharedHeapsFailed = true;
      logger.warn(`shared libopus heaps are not available (${err instanceof Error ? err.message : String(err)}): one opus-decoder instance per stream`);
    }
  }
  return ownDecoder(rate);
}

async function sharedDecoder(rate: number): Promise<OpusFrameDecoder> {
  for (;;) {
    for (const heap of heaps) {
      const d = heap.create(rate);
      if (d) return d;
    }
    // every heap is full: open one (streams asking meanwhile wait for the same one)
    opening ??= OpusWasmHeap.open().then(
      (heap) => {
        heaps.push(heap);
        opening = undefined;
        return heap;
      },
      (err: unknown) => {
        opening = undefined;
        throw err;
      },
    );
    const fresh = await opening;
    const d = fresh.create(rate);
    if (d) return d;
    if (fresh.live === 0) throw new Error(`a fresh libopus heap cannot hold one decoder at ${rate} Hz`);
  }
}

/** Frees an emptied heap other than the first, so a burst of streams does not keep its memory for ever. */
function releaseIfSpare(heap: OpusWasmHeap): void {
  if (heaps.length > 1 && heaps[0] !== heap) {
    heaps = heaps.filter((h) => h !== heap);
    heap.close();
  }
}

/** One opus-decoder instance (its own wasm heap), through its public API. */
async function ownDecoder(rate: number): Promise<OpusFrameDecoder> {
  const Ctor = await loadCtor();
  const d = new Ctor({ channels: 1, sampleRate: rate });
  await d.ready;
  return {
    decode: (payload) => {
      if (payload.length > MAX_PAYLOAD_BYTES) return { samples: EMPTY, error: `payload of ${payload.length} bytes is too large` };
      const out = d.decodeFrame(payload);
      if (out.errors.length > 0) return { samples: EMPTY, error: out.errors[0]!.message };
      return { samples: out.channelData[0]!.subarray(0, out.samplesDecoded) };
    },
    free: () => d.free(),
  };
}

/** For tests: how many shared heaps are open and how many decoders they hold. */
export function opusHeapStats(): { heaps: number; decoders: number; shared: boolean } {
  return { heaps: heaps.length, decoders: heaps.reduce((s, h) => s + h.live, 0), shared: !sharedHeapsFailed };
}
