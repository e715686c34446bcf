import { readFile } from 'node:fs/promises';
import { AudioFileError } from './audio/audio-file-error.js';
import type { AudioClip } from './audio/decoded-audio.js';
import { downmixToMono, findNonFiniteSample } from './audio/downmix.js';
import { decodeFlac } from './audio/flac.js';
import { CONTAINER_NAMES, sniffContainer, type Container } from './audio/container.js';
import { decodeMatroskaOpus } from './audio/matroska.js';
import { decodeMp3 } from './audio/mp3.js';
import { decodeOggOpus } from './audio/ogg.js';
import { decodeWav } from './audio/wav.js';
import type { DecodedChannels } from './audio/decoded-audio.js';

export { AudioFileError } from './audio/audio-file-error.js';
export type { AudioClip } from './audio/decoded-audio.js';

/** File extensions `callmos score` picks up when scanning a directory. */
export const AUDIO_FILE_EXTENSIONS = ['.wav', '.flac', '.ogg', '.opus', '.webm', '.mka', '.mp3'] as const;

/**
 * Read a WAV, FLAC, Ogg Opus, WebM/Matroska Opus or MP3 file into mono float samples. The container is recognised by its magic bytes, not its
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
    throw new AudioFileError(file, 'not an audio file: expected WAV (RIFF/RIFX/RF64), FLAC, Ogg Opus, WebM/Matroska Opus or MP3');
  }
  const { channelData, sampleRate } = await decodeContainer(container, bytes, file);

  const frames = channelData.length === 0 ? 0 : Math.min(...channelData.map((channel) => channel.length));
  if (frames === 0) throw new AudioFileError(file, `no audio samples in ${CONTAINER_NAMES[container]} file`);
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

async function decodeContainer(container: Container, bytes: Uint8Array, file: string): Promise<DecodedChannels> {
  switch (container) {
    case 'wav':
      return decodeWav(bytes, file);
    case 'flac':
      return decodeFlac(bytes, file);
    case 'ogg':
      return decodeOggOpus(bytes, file);
    case 'matroska':
      return decodeMatroskaOpus(bytes, file);
    case 'mp3':
      return decodeMp3(bytes, file);
    case 'mp4':
    case 'adts':
      // The maintained WASM AAC decoders (FAAD2 builds) are GPL-2.0, which this MIT package cannot depend on.
      throw new AudioFileError(file, `unsupported ${CONTAINER_NAMES[container]} (AAC): no AAC decoder is bundled; convert it first, e.g. ffmpeg -i ${file === '-' ? 'in.m4a' : file} out.wav`);
  }
}
