/**
 * Compressed recordings as ffmpeg writes them: Ogg Opus, WebM Opus (what MediaRecorder also writes, see
 * mediarecorder-webm.test.ts), MP3, and the M4A/AAC refusal. Each decode is compared with ffmpeg's own
 * decoding of the same file (the two decoders differ only in resampling/rounding) and with the source.
 * Skipped, saying so, where ffmpeg is not installed.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioFileError, decodeAudioFile, readAudioFile, type AudioClip } from '../src/audio-file.js';
import { ffmpeg, ffmpegPath } from './helpers/tools.js';

const speech = fileURLToPath(new URL('../../../models/fixtures/clean-tts.wav', import.meta.url));
if (!ffmpegPath) console.warn('audio-file-recordings.test.ts: ffmpeg not found on PATH, skipping Ogg/WebM/MP3 tests');

/** Correlation at the best lag within +-maxLag samples: robust to codec delay differences between decoders. */
function bestCorrelation(a: Float32Array, b: Float32Array, maxLag: number): { r: number; lag: number } {
  let best = { r: -1, lag: 0 };
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    const n = Math.min(a.length, b.length) - Math.abs(lag);
    for (let i = 0; i < n; i++) {
      const x = a[lag > 0 ? i + lag : i];
      const y = b[lag < 0 ? i - lag : i];
      ab += x * y;
      aa += x * x;
      bb += y * y;
    }
    const r = ab / Math.sqrt(aa * bb);
    if (r > best.r) best = { r, lag };
  }
  return best;
}

describe.skipIf(!ffmpegPath)('readAudioFile on compressed recordings', () => {
  let dir: string;
  let source: AudioClip;
  const make = (name: string, options: string[]) => {
    const path = join(dir, name);
    ffmpeg(['-i', speech, ...options, path]);
    return path;
  };
  /** ffmpeg's decoding of `path` at `rate`, mono float */
  const ffmpegDecode = async (path: string, rate: number) => {
    const out = `${path}.ref.wav`;
    ffmpeg(['-i', path, '-ac', '1', '-ar', String(rate), '-c:a', 'pcm_f32le', out]);
    return readAudioFile(out);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'callmos-recordings-'));
    source = await readAudioFile(speech);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['Ogg Opus mono', 'ogg', ['-c:a', 'libopus', '-b:a', '32k']],
    ['Ogg Opus stereo 48 kHz', 'opus', ['-ac', '2', '-ar', '48000', '-c:a', 'libopus', '-b:a', '64k']],
    ['WebM Opus', 'webm', ['-c:a', 'libopus', '-b:a', '32k']],
    ['Matroska Opus', 'mka', ['-c:a', 'libopus', '-b:a', '24k']],
  ] as const)('decodes %s to 16 kHz mono like ffmpeg', async (label, ext, options) => {
    const path = make(`${label.replace(/\W+/g, '-')}.${ext}`, [...options]);
    const clip = await readAudioFile(path);
    expect(clip.sampleRate).toBe(16000);
    expect(clip.channels).toBe(1); // downmixed in the decoder
    // pre-skip trimmed; Ogg also trims the end padding by the last granule position (exact length),
    // WebM keeps up to one 20 ms frame of it
    expect(Math.abs(clip.duration - source.duration)).toBeLessThan(ext === 'ogg' || ext === 'opus' ? 1 / 16000 : 0.021);
    const reference = await ffmpegDecode(path, 16000);
    const { r, lag } = bestCorrelation(clip.samples, reference.samples, 64);
    expect(r).toBeGreaterThan(0.99);
    expect(Math.abs(lag)).toBeLessThanOrEqual(16);
    // and it is the source speech, not just any audio
    expect(bestCorrelation(clip.samples, source.samples, 64).r).toBeGreaterThan(0.9);
  });

  it.each([
    // with the LAME/Xing header the encoder delay and padding are trimmed (gapless)
    ['MP3 mono 16 kHz', ['-c:a', 'libmp3lame', '-b:a', '64k'], 16000, 0.03],
    ['MP3 stereo 44.1 kHz', ['-ac', '2', '-ar', '44100', '-c:a', 'libmp3lame', '-b:a', '128k'], 44100, 0.03],
    // without it they cannot be known: up to a frame of delay plus a frame of padding stays
    ['MP3 without ID3 tag or Xing header', ['-c:a', 'libmp3lame', '-b:a', '64k', '-id3v2_version', '0', '-write_xing', '0'], 16000, 0.15],
  ] as const)('decodes %s at its own rate like ffmpeg', async (label, options, rate, durationTolerance) => {
    const path = make(`${label.replace(/\W+/g, '-')}.mp3`, [...options]);
    const clip = await readAudioFile(path);
    expect(clip.sampleRate).toBe(rate);
    expect(Math.abs(clip.duration - source.duration)).toBeLessThan(durationTolerance);
    const reference = await ffmpegDecode(path, rate);
    const { r } = bestCorrelation(clip.samples, reference.samples, 1200);
    expect(r).toBeGreaterThan(0.99);
  });

  it('sniffs the container, not the extension', async () => {
    const path = make('really-ogg.mp3', ['-c:a', 'libopus', '-f', 'ogg']);
    expect((await readAudioFile(path)).sampleRate).toBe(16000);
  });

  it('refuses M4A/AAC and ADTS with a one-line error naming ffmpeg', async () => {
    for (const [name, options] of [['x.m4a', ['-c:a', 'aac']], ['x.aac', ['-c:a', 'aac', '-f', 'adts']]] as const) {
      const path = make(name, [...options]);
      const error = await readAudioFile(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AudioFileError);
      expect((error as Error).message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: unsupported .*\\(AAC\\).*ffmpeg -i`));
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('names the file on truncated and corrupt Ogg and WebM', async () => {
    for (const ext of ['ogg', 'webm']) {
      const bytes = readFileSync(make(`whole.${ext}`, ['-c:a', 'libopus']));
      const cut = bytes.subarray(0, Math.floor(bytes.length * 0.6));
      await expect(decodeAudioFile(cut, `cut.${ext}`)).rejects.toThrow(new RegExp(`^cut\\.${ext}: truncated (Ogg|WebM)`));
      // garbage from the middle on: the container structure is gone
      const garbled = Uint8Array.from(bytes);
      for (let i = Math.floor(bytes.length / 2); i < bytes.length; i++) garbled[i] = (i * 2654435761) >>> 24;
      const error = await decodeAudioFile(garbled, `bad.${ext}`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AudioFileError);
      expect((error as Error).message).toMatch(new RegExp(`^bad\\.${ext}: (corrupt|truncated|malformed)`));
    }
  });

  it('names the file on an Ogg whose stream is not Opus', async () => {
    const path = make('flac-in.ogg', ['-c:a', 'flac', '-f', 'ogg']);
    await expect(readAudioFile(path)).rejects.toThrow(/: unsupported Ogg: no Opus stream .*ffmpeg -i/);
  });

  it('names the file on a WebM whose audio is not Opus', async () => {
    const path = make('vorbis.webm', ['-c:a', 'libvorbis']);
    const error = await readAudioFile(path).catch((e: unknown) => e);
    if (error instanceof Error && /Unknown encoder/.test(error.message)) return; // ffmpeg without libvorbis
    expect((error as Error).message).toMatch(/unsupported WebM\/Matroska: audio codec A_VORBIS .*ffmpeg/);
  });

  // MP3 frames carry no checksum (CRC is optional and LAME omits it), so mpg123 resyncs past damage; what
  // can be caught is a file with no decodable frame at all.
  it('rejects an ID3-tagged file with no MP3 frames', async () => {
    const bytes = readFileSync(make('whole.mp3', ['-c:a', 'libmp3lame']));
    const tagLength = 10 + ((bytes[6] << 21) | (bytes[7] << 14) | (bytes[8] << 7) | bytes[9]);
    const garbage = Uint8Array.from({ length: 20000 }, (_, i) => ((i * 2654435761) >>> 24) & 0x7f);
    const error = await decodeAudioFile(new Uint8Array([...bytes.subarray(0, tagLength), ...garbage]), 'bad.mp3').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AudioFileError);
    expect((error as Error).message).toMatch(/^bad\.mp3: (not an MP3 file|corrupt MP3)/);
  });
});
