import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AudioFileError, readAudioFile } from '../src/audio-file.js';
import { wavBytes, type WavSpec } from './helpers/wav-bytes.js';

const dir = mkdtempSync(join(tmpdir(), 'callmos-wav-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let count = 0;
function writeFixture(bytes: Uint8Array | string, name = `clip${count++}.wav`): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const mono = (values: number[]) => values.map((v) => [v]);
const readSpec = (spec: WavSpec) => readAudioFile(writeFixture(wavBytes(spec)));

async function expectAudioError(path: string, problem: RegExp): Promise<AudioFileError> {
  const err = await readAudioFile(path).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AudioFileError);
  const audioError = err as AudioFileError;
  expect(audioError.file).toBe(path);
  expect(audioError.message.startsWith(`${path}: `)).toBe(true);
  expect(audioError.problem).toMatch(problem);
  return audioError;
}

describe('readAudioFile: WAV sample encodings', () => {
  it('reads 8-bit PCM as offset binary', async () => {
    const clip = await readSpec({ format: 1, bits: 8, sampleRate: 16000, frames: mono([0, 128, 192, 255]) });
    expect([...clip.samples]).toEqual([-1, 0, 0.5, 127 / 128]);
  });

  it('reads 16-bit PCM', async () => {
    const clip = await readSpec({ format: 1, bits: 16, sampleRate: 16000, frames: mono([-32768, 0, 16384, 32767]) });
    expect([...clip.samples]).toEqual([-1, 0, 0.5, Math.fround(32767 / 32768)]);
    expect(clip).toMatchObject({ sampleRate: 16000, channels: 1, duration: 4 / 16000 });
  });

  it('reads 24-bit PCM, negative values included', async () => {
    const clip = await readSpec({ format: 1, bits: 24, sampleRate: 16000, frames: mono([-8388608, -4194304, 4194304, 1]) });
    expect([...clip.samples]).toEqual([-1, -0.5, 0.5, Math.fround(1 / 8388608)]);
  });

  it('reads 24-bit PCM in WAVE_FORMAT_EXTENSIBLE', async () => {
    const clip = await readSpec({ format: 1, bits: 24, sampleRate: 16000, frames: mono([-4194304, 4194304]), extensible: true });
    expect([...clip.samples]).toEqual([-0.5, 0.5]);
  });

  it('reads 32-bit PCM', async () => {
    const clip = await readSpec({ format: 1, bits: 32, sampleRate: 16000, frames: mono([-2147483648, 1073741824, 0]) });
    expect([...clip.samples]).toEqual([-1, 0.5, 0]);
  });

  it('reads 32-bit float', async () => {
    const clip = await readSpec({ format: 3, bits: 32, sampleRate: 16000, frames: mono([0.25, -0.5, 1]) });
    expect([...clip.samples]).toEqual([0.25, -0.5, 1]);
  });

  it('reads 32-bit float in WAVE_FORMAT_EXTENSIBLE as float, not as int32 (what ffmpeg writes)', async () => {
    const clip = await readSpec({ format: 3, bits: 32, sampleRate: 16000, frames: mono([0.25, -0.5]), extensible: true });
    expect([...clip.samples]).toEqual([0.25, -0.5]);
  });

  it('reads 64-bit float', async () => {
    const clip = await readSpec({ format: 3, bits: 64, sampleRate: 16000, frames: mono([0.125, -0.75]) });
    expect([...clip.samples]).toEqual([0.125, -0.75]);
  });

  it('reads big-endian RIFX', async () => {
    const clip = await readSpec({ format: 1, bits: 16, sampleRate: 16000, frames: mono([16384, -16384]), bigEndian: true });
    expect([...clip.samples]).toEqual([0.5, -0.5]);
  });
});

describe('readAudioFile: channels and rates', () => {
  it('averages stereo to mono', async () => {
    const clip = await readSpec({ format: 3, bits: 32, sampleRate: 16000, frames: [[0.5, -0.5], [1, 0], [0.25, 0.25]] });
    expect([...clip.samples]).toEqual([0, 0.5, 0.25]);
    expect(clip.channels).toBe(2);
  });

  it('averages any channel count (5 channels of 16-bit)', async () => {
    const clip = await readSpec({ format: 1, bits: 16, sampleRate: 16000, frames: [[16384, 16384, 16384, -16384, 0]] });
    expect(clip.samples[0]).toBeCloseTo((0.5 + 0.5 + 0.5 - 0.5 + 0) / 5, 6);
    expect(clip.channels).toBe(5);
  });

  it.each([8000, 16000, 44100, 48000])('keeps the file rate %i Hz and reports the duration', async (rate) => {
    const frames = mono(new Array(rate / 2).fill(0).map((_, i) => Math.round(8000 * Math.sin(i / 7))));
    const clip = await readSpec({ format: 1, bits: 16, sampleRate: rate, frames });
    expect(clip.sampleRate).toBe(rate);
    expect(clip.samples.length).toBe(rate / 2);
    expect(clip.duration).toBeCloseTo(0.5, 12);
  });
});

describe('readAudioFile: bad files name the file and the problem', () => {
  const good = { format: 1, bits: 16, sampleRate: 16000, frames: mono(new Array(32000).fill(1000)) };

  it('rejects an empty file', async () => {
    await expectAudioError(writeFixture(new Uint8Array(0)), /^empty file$/);
  });

  it('rejects a file that is not audio', async () => {
    await expectAudioError(writeFixture('name,mos\nx.wav,4.2\n', 'notes.wav'), /^not an audio file/);
  });

  it('rejects a missing file', async () => {
    await expectAudioError(join(dir, 'nope.wav'), /^no such file$/);
  });

  it('rejects a WAV whose header claims more data than the file holds', async () => {
    const bytes = wavBytes(good).subarray(0, 44 + 1200);
    const err = await expectAudioError(writeFixture(bytes), /^truncated WAV/);
    expect(err.problem).toBe('truncated WAV: header says 64000 bytes of data, file has 1200');
  });

  it('rejects a WAV cut inside its header', async () => {
    await expectAudioError(writeFixture(wavBytes(good).subarray(0, 30)), /truncated or malformed WAV: no 'data' chunk/);
  });

  it('accepts the "unknown size" data chunk streaming writers leave (0xFFFFFFFF)', async () => {
    const clip = await readSpec({ ...good, claimedDataBytes: 0xffffffff });
    expect(clip.samples.length).toBe(32000);
  });

  it('rejects a WAV with no samples', async () => {
    await expectAudioError(writeFixture(wavBytes({ ...good, frames: [] })), /^no audio samples/);
  });

  it('rejects NaN samples, saying where', async () => {
    const err = await expectAudioError(
      writeFixture(wavBytes({ format: 3, bits: 32, sampleRate: 16000, frames: mono([0.1, 0.2, Number.NaN]) })),
      /^invalid sample NaN/,
    );
    expect(err.problem).toContain('sample 2, channel 0');
  });

  it('rejects infinite samples', async () => {
    await expectAudioError(
      writeFixture(wavBytes({ format: 3, bits: 64, sampleRate: 16000, frames: [[0, Number.POSITIVE_INFINITY]] })),
      /^invalid sample Infinity .*channel 1/,
    );
  });

  it('rejects an encoding it cannot decode, naming it', async () => {
    await expectAudioError(writeFixture(wavBytes({ ...good, format: 0x31 })), /^unsupported WAV encoding 0x0031 \(GSM 6\.10\)/);
  });

  it('rejects 64-bit integer PCM', async () => {
    const bytes = wavBytes({ format: 1, bits: 32, sampleRate: 16000, frames: mono([0, 0]) });
    // claim 64-bit samples in 8-byte frames: a width this decoder does not read as integers
    const view = new DataView(bytes.buffer);
    view.setUint16(32, 8, true);
    view.setUint16(34, 64, true);
    await expectAudioError(writeFixture(bytes), /^unsupported WAV encoding: 64-bit PCM/);
  });
});
