/**
 * Fuzzing Opus framing (RFC 6716 section 3) against libopus itself: packets written by an independent
 * serializer of the framing (every code, VBR and CBR, padding chains, one- and two-byte lengths), the same
 * packets bent (a length off by a few, cut short, grown), and arbitrary bytes. opusPacketInfo must throw
 * only OpusPacketError, agree with libopus (opus-decoder's wasm build) on what is a valid packet and on
 * its duration, and OpusStreamDecoder.decode must never throw nor reach libopus with a packet libopus
 * refuses (each refusal is a console.error line in opus-decoder: a flood on a server fed garbage).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { opusPacketInfo, OpusPacketError, type OpusPacketInfo } from '../../src/audio/opus-packet.js';
import { OpusStreamDecoder } from '../../src/audio/opus-stream-decoder.js';
import { bytes, fc, fuzz } from '../../../../test/helpers/fuzz.js';

/** The frame duration of each TOC config in 48 kHz samples (RFC 6716 table 2), written out again. */
const configSamples = (config: number) =>
  config < 12 ? [480, 960, 1920, 2880][config % 4]! : config < 16 ? [480, 960][config % 2]! : [120, 240, 480, 960][config % 4]!;

/** Self-delimiting frame length (RFC 6716 3.2.1): 0..251 in one byte, 252..1275 in two. */
function lengthBytes(n: number): number[] {
  if (n < 252) return [n];
  // a two-byte encoding of n >= 252: first byte 252..255, n = first + 4 * second
  const first = 252 + ((n - 252) % 4);
  return [first, (n - first) / 4];
}

interface OpusSpec {
  config: number;
  stereo: boolean;
  code: 0 | 1 | 2 | 3;
  frames: number[];
  vbr: boolean;
  padding: number;
  /** 254 bytes of padding or more written as 255, then the rest (also the only way past 254) */
  chain: boolean;
}

/** Writes the packet a spec describes (valid when the spec respects the limits). */
function opusBytes(s: OpusSpec, fill: number): Uint8Array {
  const out: number[] = [(s.config << 3) | (s.stereo ? 4 : 0) | s.code];
  const body = (n: number) => {
    for (let i = 0; i < n; i++) out.push((fill + i * 31) & 0xff);
  };
  if (s.code === 0) body(s.frames[0]!);
  else if (s.code === 1) (body(s.frames[0]!), body(s.frames[0]!));
  else if (s.code === 2) {
    out.push(...lengthBytes(s.frames[0]!));
    body(s.frames[0]!);
    body(s.frames[1]!);
  } else {
    out.push((s.vbr ? 0x80 : 0) | (s.padding > 0 ? 0x40 : 0) | s.frames.length);
    if (s.padding > 0) {
      let left = s.padding;
      while (left > 254 || (s.chain && left === 254)) (out.push(255), (left -= 254));
      out.push(left); // padding bytes after the last 255 (0..254)
    }
    if (s.vbr) for (const n of s.frames.slice(0, -1)) out.push(...lengthBytes(n));
    for (const n of s.frames) body(n);
    for (let i = 0; i < s.padding; i++) out.push(0);
  }
  return Uint8Array.from(out);
}

const frameLen = fc.oneof(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 240, max: 260 }), fc.integer({ min: 1200, max: 1300 }));

const opusSpec: fc.Arbitrary<OpusSpec> = fc
  .record({
    config: fc.integer({ min: 0, max: 31 }),
    stereo: fc.boolean(),
    code: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),
    frames: fc.array(frameLen, { minLength: 1, maxLength: 50 }),
    vbr: fc.boolean(),
    padding: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 600 })),
    chain: fc.boolean(),
  })
  .map((s) => {
    // a written length cannot exceed 1275 (its two bytes max out there); an implied one can
    const written = (n: number) => Math.min(n, 1275);
    const frames =
      s.code === 0 || s.code === 1 ? s.frames.slice(0, 1)
      : s.code === 2 ? [written(s.frames[0]!), s.frames[1] ?? 0]
      : s.vbr ? s.frames.map((n, i) => (i < s.frames.length - 1 ? written(n) : n))
      : s.frames.map(() => s.frames[0]!); // CBR: equal frames
    return { ...s, frames };
  });

/** Whether a spec is a valid packet (R1-R7), decided from the spec, not from the bytes. */
function specValid(s: OpusSpec): boolean {
  const m = s.frames.length;
  if (s.frames.some((n) => n > 1275)) return false;
  if (s.code === 3 && (m < 1 || m > 48)) return false;
  const frameCount = s.code === 0 ? 1 : s.code === 3 ? m : 2;
  return frameCount * configSamples(s.config) <= 5760;
}

let wasm: { decodeFrame(b: Uint8Array): { samplesDecoded: number; errors: unknown[] }; free(): void };
const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);

beforeAll(async () => {
  const { OpusDecoder } = await import('opus-decoder');
  const d = new OpusDecoder({ channels: 1, sampleRate: 48000 });
  await d.ready;
  wasm = d as unknown as typeof wasm;
});
afterAll(() => {
  wasm.free();
  consoleError.mockRestore();
});

/** libopus's verdict: the samples a packet decodes to, or null for a packet it refuses. */
function libopus(b: Uint8Array): number | null {
  const r = wasm.decodeFrame(b);
  return r.errors.length > 0 ? null : r.samplesDecoded;
}

function infoOrNull(b: Uint8Array): OpusPacketInfo | null {
  try {
    const info = opusPacketInfo(b);
    expect(info.samples).toBe(info.frames * info.frameSamples);
    expect(info.samples).toBeLessThanOrEqual(5760);
    expect(info.frames).toBeGreaterThanOrEqual(1);
    return info;
  } catch (err) {
    if (!(err instanceof OpusPacketError)) throw err;
    return null;
  }
}

/** opusPacketInfo and libopus agree on validity and duration (libopus reads at most its 3840-byte input buffer). */
function agreesWithLibopus(b: Uint8Array): void {
  const info = infoOrNull(b);
  if (b.length === 0 || b.length > 3840) return; // libopus treats 0 bytes as a loss; opus-decoder cannot take more
  expect(info?.samples ?? null).toBe(libopus(b));
}

describe('opusPacketInfo (fuzz, against libopus)', () => {
  it('reads a serialized packet back: frame count and duration as written, or a refusal for a spec over the limits', () => {
    fuzz('opus framing round trip', 1200, fc.property(opusSpec, fc.nat(255), (s, fill) => {
      const b = opusBytes(s, fill);
      const info = infoOrNull(b);
      if (specValid(s)) {
        expect(info).toEqual({ frames: s.code === 0 ? 1 : s.code === 3 ? s.frames.length : 2, frameSamples: configSamples(s.config), samples: info!.frames * configSamples(s.config) });
      } else {
        expect(info).toBeNull();
      }
      agreesWithLibopus(b);
    }));
  });

  it('agrees with libopus on bent packets: lengths off by a few, cut short, grown, bytes flipped', () => {
    const bent = fc.tuple(opusSpec, fc.nat(255), fc.integer({ min: -4, max: 4 }), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 3 })).map(([s, fill, grow, pokes]) => {
      const b = opusBytes(s, fill);
      const out = new Uint8Array(Math.max(0, b.length + grow));
      out.set(b.subarray(0, out.length));
      for (const [at, v] of pokes) if (out.length > 0) out[Math.min(at % 4, out.length - 1)] = v; // the header bytes
      return out;
    });
    fuzz('opus framing bent packets', 1500, fc.property(bent, (b) => agreesWithLibopus(b)));
  });

  it('agrees with libopus on arbitrary bytes', () => {
    fuzz('opus framing arbitrary bytes', 1500, fc.property(bytes(400), (b) => agreesWithLibopus(b)));
  });
});

describe('OpusStreamDecoder (fuzz)', () => {
  it('never throws and never hands libopus a packet it refuses; returns a packet of audio or its concealment', async () => {
    const d = await OpusStreamDecoder.create();
    const packet = fc.oneof(bytes(400), fc.tuple(opusSpec, fc.nat(255)).map(([s, fill]) => opusBytes(s, fill)), fc.uint8Array({ minLength: 3800, maxLength: 5000 }));
    try {
      fuzz('OpusStreamDecoder.decode', 500, fc.property(fc.array(packet, { minLength: 1, maxLength: 8 }), (packets) => {
        for (const p of packets) {
          consoleError.mockClear();
          const info = infoOrNull(p);
          const before = { ...d.stats };
          const { samples, error } = d.decode(p);
          expect(consoleError).not.toHaveBeenCalled();
          if (info && p.length <= 3840) {
            expect(error).toBeUndefined();
            expect(samples.length).toBe(info.samples);
            expect(d.stats.decoded).toBe(before.decoded + 1);
          } else {
            expect(error).toBeTypeOf('string');
            expect(samples.length).toBeLessThanOrEqual(5760); // one packet of concealment
            expect(d.stats.corrupt).toBe(before.corrupt + 1);
          }
        }
      }));
      // concealment of any number of packets is capped (a huge sequence gap costs at most 1 s of audio)
      for (const n of [0, 1, 7, 1e4, 1e9]) expect(d.conceal(n).length).toBeLessThanOrEqual(48000);
    } finally {
      d.close();
    }
  });
});
