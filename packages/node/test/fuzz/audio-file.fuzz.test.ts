/**
 * Fuzzing WAV and FLAC decoding (decodeAudioFile, what `callmos score` runs on every file it is given):
 * arbitrary bytes behind each magic, WAV files written byte by byte (every PCM and float layout, RIFF and
 * RIFX, extensible) and read back, the same files with header fields set to anything (sizes of 0 or
 * 4 GB, 65535 channels, zero block align), cut short, or with extra chunks of any size, and real FLAC
 * files from ffmpeg bent the same way. The decoder must return a clip or throw AudioFileError, and must
 * never ask for a buffer much larger than the file: a header that claims 4 GB of data allocates nothing
 * like 4 GB.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioFileError, decodeAudioFile, type AudioClip } from '../../src/audio-file.js';
import { wavBytes, type WavSpec } from '../helpers/wav-bytes.js';
import { largestAllocation } from '../helpers/allocations.js';
import { ffmpeg, ffmpegPath } from '../helpers/tools.js';
import { bytes, fc, fuzzAsync } from '../../../../test/helpers/fuzz.js';

/** A decoder may take a few times the file (8-bit -> float32 is 4x, IMA ADPCM -> float32 8x), never more. */
const allowedBytes = (fileBytes: number) => 16 * fileBytes + 65536;

/** decodeAudioFile, asserting it only ever fails with AudioFileError and stays within allowedBytes. */
async function decodeOrNull(b: Uint8Array): Promise<AudioClip | null> {
  const { result, largest } = await largestAllocation(() => decodeAudioFile(b, 'fuzz.wav'));
  expect(largest, `largest buffer asked for, decoding ${b.length} bytes`).toBeLessThanOrEqual(allowedBytes(b.length));
  if (result.status === 'rejected') {
    if (!(result.reason instanceof AudioFileError)) throw result.reason;
    expect(result.reason.file).toBe('fuzz.wav');
    return null;
  }
  const clip = result.value;
  expect(clip.samples.length).toBeGreaterThan(0);
  expect(clip.sampleRate).toBeGreaterThan(0);
  expect(clip.channels).toBeGreaterThanOrEqual(1);
  expect(clip.samples.every(Number.isFinite)).toBe(true);
  return clip;
}

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** A WAV layout and sample values that fit it. */
const layout = fc.constantFrom(
  { format: 1, bits: 8 },
  { format: 1, bits: 16 },
  { format: 1, bits: 24 },
  { format: 1, bits: 32 },
  { format: 3, bits: 32 },
  { format: 3, bits: 64 },
);
function sampleFor(format: number, bits: number): fc.Arbitrary<number> {
  if (format === 3) return bits === 32 ? fc.float({ noDefaultInfinity: true, noNaN: true, min: -1, max: 1 }) : fc.double({ noNaN: true, min: -1, max: 1 });
  if (bits === 8) return fc.integer({ min: 0, max: 255 });
  const full = 2 ** (bits - 1);
  return fc.integer({ min: -full, max: full - 1 });
}
const wavSpec: fc.Arbitrary<WavSpec> = fc
  .record({ l: layout, channels: fc.integer({ min: 1, max: 6 }), frames: fc.integer({ min: 1, max: 64 }), rate: fc.constantFrom(8000, 16000, 44100, 48000, 1, 0x7fffffff), extensible: fc.boolean(), bigEndian: fc.boolean() })
  .chain(({ l, channels, frames, rate, extensible, bigEndian }) =>
    fc.array(fc.array(sampleFor(l.format, l.bits), { minLength: channels, maxLength: channels }), { minLength: frames, maxLength: frames }).map(
      (values): WavSpec => ({ format: l.format, bits: l.bits, sampleRate: rate, frames: values, extensible: extensible && !bigEndian, bigEndian }),
    ),
  );

/** What a sample word reads as (the WAV convention: divide by 2^(bits-1); 8-bit is offset binary). */
function expectedValue(spec: WavSpec, v: number): number {
  if (spec.format === 3) return spec.bits === 32 ? Math.fround(v) : Math.fround(v);
  return spec.bits === 8 ? (v - 128) / 128 : v / 2 ** (spec.bits - 1);
}

/** Header fields of a wavBytes file (non-extensible offsets; extensible moves 'data' 24 bytes on). */
const FIELDS = [
  { at: 4, size: 4 }, // RIFF size
  { at: 16, size: 4 }, // fmt size
  { at: 20, size: 2 }, // format tag
  { at: 22, size: 2 }, // channels
  { at: 24, size: 4 }, // sample rate
  { at: 28, size: 4 }, // byte rate
  { at: 32, size: 2 }, // block align
  { at: 34, size: 2 }, // bits per sample
  { at: 40, size: 4 }, // data size (non-extensible)
  { at: 64, size: 4 }, // data size (extensible)
  { at: 44, size: 4 }, // subformat tag (extensible)
] as const;
const fieldValue = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 6, 7, 0x11, 0xfffe, 0xffff, 0x7fffffff, 0x80000000, 0xfffffff0, 0xfffffffe, 0xffffffff),
  fc.nat({ max: 0xffffffff }),
);
const poke = fc.record({ field: fc.constantFrom(...FIELDS), value: fieldValue, le: fc.boolean() });

function applyPoke(b: Uint8Array, p: { field: { at: number; size: number }; value: number; le: boolean }): void {
  if (p.field.at + p.field.size > b.length) return;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (p.field.size === 2) v.setUint16(p.field.at, p.value & 0xffff, p.le);
  else v.setUint32(p.field.at, p.value >>> 0, p.le);
}

/** A RIFF chunk of any id (known or not) claiming any size, with some bytes. */
const chunk = fc
  .record({ id: fc.oneof(fc.constantFrom('fmt ', 'data', 'LIST', 'fact', 'cue ', 'smpl', 'bext', 'iXML', 'ds64', 'junk', '_PMX', 'INFO', 'adtl'), fc.string({ minLength: 4, maxLength: 4 })), claimed: fc.option(fieldValue), body: fc.uint8Array({ maxLength: 700 }) })
  .map(({ id, claimed, body }) => {
    const out = new Uint8Array(8 + body.length);
    out.set(ascii(id.padEnd(4).slice(0, 4)).map((c) => c & 0xff));
    new DataView(out.buffer).setUint32(4, claimed ?? body.length, true);
    out.set(body, 8);
    return out;
  });

describe('decodeAudioFile: WAV (fuzz)', () => {
  it('reads back every sample of a WAV written byte by byte (serialize -> parse)', async () => {
    await fuzzAsync('WAV round trip', 300, fc.asyncProperty(wavSpec, async (spec) => {
      const clip = await decodeOrNull(wavBytes(spec));
      expect(clip).not.toBeNull();
      const channels = spec.frames[0]!.length;
      expect(clip!).toMatchObject({ sampleRate: spec.sampleRate, channels });
      expect(clip!.samples.length).toBe(spec.frames.length);
      spec.frames.forEach((frame, i) => {
        const mean = frame.reduce((s, v) => s + expectedValue(spec, v), 0) / channels;
        expect(clip!.samples[i]).toBeCloseTo(mean, 6);
      });
    }));
  });

  it('returns a clip or AudioFileError, within the file\'s size, whatever its header fields say', async () => {
    const bent = fc.tuple(wavSpec, fc.array(poke, { minLength: 1, maxLength: 4 }), fc.option(fc.nat())).map(([spec, pokes, cut]) => {
      const b = wavBytes(spec);
      for (const p of pokes) applyPoke(b, p);
      return cut === null ? b : b.subarray(0, cut % (b.length + 1));
    });
    await fuzzAsync('WAV bent headers', 1000, fc.asyncProperty(bent, async (b) => void (await decodeOrNull(b))));
  });

  it('survives any chunks between the header and the data (unknown ids, sizes that lie, nested LIST)', async () => {
    const file = fc.tuple(wavSpec, fc.array(chunk, { maxLength: 5 }), fc.boolean(), fc.constantFrom('RIFF', 'RIFX', 'RF64')).map(([spec, chunks, before, magic]) => {
      const wav = wavBytes({ ...spec, bigEndian: false });
      const extra = chunks.reduce((n, c) => n + c.length, 0);
      const out = new Uint8Array(wav.length + extra);
      // 'fmt ' stays first (after RIFF/WAVE); the chunks go before or after the data chunk
      const dataAt = spec.extensible ? 60 : 36;
      const split = before ? dataAt : wav.length;
      out.set(wav.subarray(0, split));
      let at = split;
      for (const c of chunks) (out.set(c, at), (at += c.length));
      out.set(wav.subarray(split), at);
      out.set(ascii(magic), 0);
      return out;
    });
    await fuzzAsync('WAV extra chunks', 600, fc.asyncProperty(file, async (b) => void (await decodeOrNull(b))));
  });

  it('returns a clip or AudioFileError for arbitrary bytes behind RIFF / RIFX / RF64 / fLaC', async () => {
    const file = fc.tuple(fc.constantFrom('RIFF', 'RIFX', 'RF64', 'fLaC', 'RIFFxxxxWAVEfmt '), bytes(300)).map(([magic, rest]) => Uint8Array.from([...ascii(magic), ...rest]));
    await fuzzAsync('audio arbitrary bytes', 800, fc.asyncProperty(file, async (b) => void (await decodeOrNull(b))));
  });
});

describe.skipIf(!ffmpegPath)('decodeAudioFile: FLAC from ffmpeg (fuzz)', () => {
  let dir: string;
  const flacs: Uint8Array[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'callmos-flac-fuzz-'));
    const make = (name: string, args: string[]) => {
      const path = join(dir, name);
      ffmpeg(['-f', 'lavfi', '-i', 'aevalsrc=0.3*sin(2*PI*440*t)|0.2*sin(2*PI*700*t):s=16000:d=0.25', ...args, path]);
      flacs.push(new Uint8Array(readFileSync(path)));
    };
    make('mono16.flac', ['-ac', '1', '-c:a', 'flac']);
    make('stereo24.flac', ['-c:a', 'flac', '-sample_fmt', 's32', '-frame_size', '1024']);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('decodes the untouched files', async () => {
    for (const f of flacs) expect((await decodeOrNull(f))?.duration).toBeCloseTo(0.25, 3);
  });

  it('returns a clip or AudioFileError for a FLAC cut short, bytes flipped or STREAMINFO rewritten', async () => {
    const bent = fc
      .tuple(fc.nat(flacs.length - 1), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 6 }), fc.array(fc.tuple(fc.integer({ min: 8, max: 41 }), fc.nat(255)), { maxLength: 4 }), fc.option(fc.nat()))
      .map(([which, flips, infoPokes, cut]) => {
        const b = flacs[which]!.slice();
        for (const [at, v] of flips) b[at % b.length] = v;
        for (const [at, v] of infoPokes) b[at] = v; // STREAMINFO: block and frame sizes, rate, channels, depth, total samples
        return cut === null ? b : b.subarray(0, cut % (b.length + 1));
      });
    await fuzzAsync('FLAC bent files', 150, fc.asyncProperty(bent, async (b) => void (await decodeOrNull(b))));
  });

  it('regression: a FLAC whose STREAMINFO declares fewer samples than its frames hold is refused before it expands', async () => {
    // 10 min of 7.1 silence is a 24 KB file (constant subframes) and 920 MB of float32: with STREAMINFO
    // rewritten to declare 65535 samples, the whole 920 MB was decoded and returned as a valid clip
    const path = join(dir, 'silence.flac');
    ffmpeg(['-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=7.1', '-t', '600', '-c:a', 'flac', '-frame_size', '65535', '-compression_level', '0', path]);
    const b = new Uint8Array(readFileSync(path));
    expect(b.length).toBeLessThan(64 * 1024);
    b[8 + 13] &= 0xf0; // total samples: low 4 bits of byte 13 and bytes 14..17 of STREAMINFO
    new DataView(b.buffer).setUint32(8 + 14, 65535);
    const { result, largest } = await largestAllocation(() => decodeAudioFile(b, 'bomb.flac'));
    expect(result.status).toBe('rejected');
    expect(String((result as PromiseRejectedResult).reason.message)).toMatch(/header says 65535 samples, the frames hold more/);
    expect(largest).toBeLessThan(32e6); // a piece of the file's frames, not all of them (115 MB per channel)
  });
});

describe('decodeAudioFile regressions found by fuzzing', () => {
  const header = (chunks: Uint8Array[]) => {
    const body = chunks.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(12 + body);
    out.set(ascii('RIFF'));
    new DataView(out.buffer).setUint32(4, 4 + body, true);
    out.set(ascii('WAVE'), 8);
    let at = 12;
    for (const c of chunks) (out.set(c, at), (at += c.length));
    return out;
  };
  const rawChunk = (id: string, size: number, body: number[]) => {
    const c = new Uint8Array(8 + body.length);
    c.set(ascii(id));
    new DataView(c.buffer).setUint32(4, size, true);
    c.set(body, 8);
    return c;
  };
  const fmt16 = rawChunk('fmt ', 16, [1, 0, 1, 0, 0x80, 0x3e, 0, 0, 0, 0x7d, 0, 0, 2, 0, 16, 0]); // PCM mono 16 kHz 16-bit

  it("a 'cue ' chunk claiming 3.7 billion cue points is skipped, not parsed until the heap runs out", async () => {
    // 146 bytes from the fuzzer, minimised: wavefile looped over the claimed count and the process died
    const file = header([fmt16, rawChunk('data', 4, [0, 0x10, 0, 0xf0]), rawChunk('cue ', 6, [0x5a, 0x8d, 0xcb, 0xde, 0x38, 0xd4])]);
    const clip = await decodeOrNull(file);
    expect([...clip!.samples]).toEqual([0.125, -0.125]);
  });

  it("an 'smpl' chunk claiming 4 billion loops is skipped too", async () => {
    const smpl = rawChunk('smpl', 36, [...new Array(28).fill(0), 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    const clip = await decodeOrNull(header([fmt16, smpl, rawChunk('data', 2, [0, 0x40])]));
    expect([...clip!.samples]).toEqual([0.5]);
  });

  it('a data chunk claiming 4 GB in a small file is truncated, and nothing near 4 GB is allocated', async () => {
    const file = header([fmt16, rawChunk('data', 0xfffffff0, [1, 2, 3, 4])]);
    const { result, largest } = await largestAllocation(() => decodeAudioFile(file, 'big.wav'));
    expect(result.status).toBe('rejected');
    expect((result as PromiseRejectedResult).reason).toBeInstanceOf(AudioFileError);
    expect(String((result as PromiseRejectedResult).reason.message)).toMatch(/truncated WAV: header says 4294967280 bytes of data, file has 4/);
    expect(largest).toBeLessThan(4096);
  });
});
