import { readFile } from 'node:fs/promises';
import { AudioFileError } from './audio/audio-file-error.js';
import type { AudioClip } from './audio/decoded-audio.js';
import { downmixToMono, findNonFiniteSample } from './audio/downmix.js';
import { decodeFlac } from './audio/flac.js';
import { decodeWav } from './audio/wav.js';

export { AudioFileError } from './audio/audio-file-error.js';
export type { AudioClip } from './audio/decoded-audio.js';

/** File extensions `callmos score` picks up when scanning a directory. */
export const AUDIO_FILE_EXTENSIONS = ['.wav', '.flac'] as const;

/**
 * Read a WAV or FLAC file into mono float samples. The container is recognised by its magic bytes, not its
 * extension. Fails with an `AudioFileError` naming the file for an empty, non-audio, truncated or corrupt
 * file, an unsupported encoding, no samples, or NaN/infinite samples.
 */
export async function readAudioFile(path: string): Promise<AudioClip> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    throw new AudioFileError(path, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : message);
  }
  return decodeAudioFile(bytes, path);
}

/** `readAudioFile` for bytes already in memory; `file` only names them in errors. */
export async function decodeAudioFile(bytes: Uint8Array, file: string): Promise<AudioClip> {
  if (bytes.byteLength === 0) throw new AudioFileError(file, 'empty file');
  const container = sniffContainer(bytes);
  if (container === null) {
    throw new AudioFileError(file, 'not an audio file: expected WAV (RIFF/RIFX/RF64) or FLAC');
  }
  const { channelData, sampleRate } = container === 'flac' ? await decodeFlac(bytes, file) : decodeWav(bytes, file);

  const frames = channelData.length === 0 ? 0 : Math.min(...channelData.map((channel) => channel.length));
  if (frames === 0) throw new AudioFileError(file, `no audio samples in ${container === 'flac' ? 'FLAC' : 'WAV'} file`);
  const bad = findNonFiniteSample(channelData);
  if (bad) {
    const value = channelData[bad.channel][bad.index];
    throw new AudioFileError(
      file,
      `invalid sample ${value} at ${(bad.index / sampleRate).toFixed(3)} s (sample ${bad.index}, channel ${bad.channel})`,
    );
  }
  const samples = downmixToMono(channelData);
  return { samples, sampleRate, channels: channelData.length, duration: samples.length / sampleRate };
}

function sniffContainer(bytes: Uint8Array): 'wav' | 'flac' | null {
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic === 'fLaC') return 'flac';
  if (magic === 'RIFF' || magic === 'RIFX' || magic === 'RF64') return 'wav';
  return null;
}
