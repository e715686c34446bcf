/**
 * Files as real tools write them (ffmpeg): FLAC at several depths and rates, the WAV variants ffmpeg
 * produces (extensible float, companded codecs, piped output with unknown sizes). Skipped, saying so,
 * where ffmpeg is not installed.
 */
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioFileError, readAudioFile, type AudioClip } from '../src/audio-file.js';
import { ffmpeg, ffmpegPath } from './helpers/tools.js';

if (!ffmpegPath) console.warn('audio-file-ffmpeg.test.ts: ffmpeg not found on PATH, skipping FLAC and ffmpeg-written WAV tests');

describe.skipIf(!ffmpegPath)('readAudioFile on ffmpeg-written files', () => {
  let dir: string;
  /** the reference: a 1 s two-tone test signal, 16-bit mono at 16 kHz */
  let reference: AudioClip;
  const source = 'aevalsrc=0.4*sin(2*PI*440*t)+0.2*sin(2*PI*1250*t):s=48000:d=1';

  /** Encode the test signal with extra ffmpeg output options, return the file's path. */
  const make = (name: string, outputOptions: string[]) => {
    const path = join(dir, name);
    ffmpeg(['-f', 'lavfi', '-i', source, ...outputOptions, path]);
    return path;
  };
  const maxDifference = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'callmos-ffmpeg-'));
    reference = await readAudioFile(make('ref.wav', ['-ar', '16000', '-c:a', 'pcm_s16le']));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Each file is compared with ffmpeg's own decoding of it (float32 WAV, exact for PCM and FLAC), and
  // with the 16-bit reference signal within the encoding's quantisation step.
  it.each([
    ['16-bit FLAC', ['-ar', '16000', '-c:a', 'flac'], 'flac', 1e-7, 1e-4],
    ['24-bit FLAC', ['-ar', '16000', '-c:a', 'flac', '-sample_fmt', 's32'], 'flac', 1e-7, 1e-4],
    ['float32 WAV (extensible)', ['-ar', '16000', '-c:a', 'pcm_f32le'], 'wav', 0, 1e-4],
    ['24-bit WAV', ['-ar', '16000', '-c:a', 'pcm_s24le'], 'wav', 1e-7, 1e-4],
    ['8-bit WAV', ['-ar', '16000', '-c:a', 'pcm_u8'], 'wav', 1e-7, 1 / 64],
    ['A-law WAV', ['-ar', '16000', '-c:a', 'pcm_alaw'], 'wav', 1e-7, 0.02],
    ['mu-law WAV', ['-ar', '16000', '-c:a', 'pcm_mulaw'], 'wav', 1e-7, 0.02],
  ] as const)('decodes %s as ffmpeg does', async (label, options, ext, toFfmpeg, toReference) => {
    const path = make(`${label.replace(/\W+/g, '-')}.${ext}`, [...options]);
    const clip = await readAudioFile(path);
    expect(clip).toMatchObject({ sampleRate: 16000, channels: 1, duration: 1 });
    const ffmpegDecoded = join(dir, `${label.replace(/\W+/g, '-')}.decoded.wav`);
    ffmpeg(['-i', path, '-c:a', 'pcm_f32le', ffmpegDecoded]);
    expect(maxDifference(clip.samples, (await readAudioFile(ffmpegDecoded)).samples)).toBeLessThanOrEqual(toFfmpeg);
    expect(maxDifference(clip.samples, reference.samples)).toBeLessThanOrEqual(toReference);
  });

  it('decodes stereo 44.1 kHz FLAC to mono at its own rate', async () => {
    const clip = await readAudioFile(make('stereo.flac', ['-ar', '44100', '-ac', '2', '-c:a', 'flac']));
    expect(clip).toMatchObject({ sampleRate: 44100, channels: 2, duration: 1 });
    expect(clip.samples.length).toBe(44100);
    // ffmpeg's mono -> stereo upmix puts the signal at -3 dB on both channels; the average keeps that level
    const peak = clip.samples.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    expect(peak).toBeGreaterThan(0.6 * Math.SQRT1_2 * 0.95);
    expect(peak).toBeLessThan(0.6 * 1.01);
  });

  it('decodes 8 kHz and 48 kHz FLAC', async () => {
    for (const rate of [8000, 48000]) {
      const clip = await readAudioFile(make(`rate-${rate}.flac`, ['-ar', String(rate), '-c:a', 'flac']));
      expect(clip.sampleRate).toBe(rate);
      expect(clip.samples.length).toBe(rate);
    }
  });

  it('reads a WAV streamed to a pipe (sizes left at 0xFFFFFFFF)', async () => {
    const path = join(dir, 'piped.wav');
    const { spawnSync } = await import('node:child_process');
    const piped = spawnSync(ffmpegPath!, ['-loglevel', 'error', '-f', 'lavfi', '-i', source, '-ar', '16000', '-c:a', 'pcm_s16le', '-f', 'wav', '-']);
    writeFileSync(path, piped.stdout);
    const clip = await readAudioFile(path);
    expect(maxDifference(clip.samples, reference.samples)).toBe(0);
  });

  it('rejects a FLAC file cut short', async () => {
    const whole = readFileSync(make('whole.flac', ['-ar', '16000', '-c:a', 'flac']));
    const path = join(dir, 'cut.flac');
    writeFileSync(path, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const err = await readAudioFile(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AudioFileError);
    expect((err as Error).message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: truncated or corrupt FLAC: header says 16000 samples, decoded \\d+$`));
  });

  it('rejects a FLAC file with no STREAMINFO', async () => {
    const path = join(dir, 'stub.flac');
    writeFileSync(path, Buffer.from('fLaC\x00\x00'));
    await expect(readAudioFile(path)).rejects.toThrow(`${path}: truncated or malformed FLAC: no STREAMINFO block`);
  });

  it('rejects a WAV ffmpeg wrote with a codec it cannot decode (GSM)', async () => {
    const path = make('gsm.wav', ['-ar', '8000', '-c:a', 'gsm_ms']);
    await expect(readAudioFile(path)).rejects.toThrow(/unsupported WAV encoding 0x0031 \(GSM 6\.10\)/);
  });
});
