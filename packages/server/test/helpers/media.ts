/**
 * Test audio made by the tests themselves: speech from ../shared's LibriSpeech subset (or the repo's TTS
 * fixture when ../shared is absent), white noise mixed at a chosen SNR, WAV files, and real Opus packets
 * from ffmpeg's libopus (an Ogg file taken apart page by page).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAudioFile } from '@callmos/node';
import { ffmpeg, ffmpegPath } from '../../../node/test/helpers/tools.js';

export { ffmpeg, ffmpegPath };

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const SPEECH_DIR = join(REPO, '../shared/corpora/speech/librispeech-subset/train-clean-100/librispeech_train-clean-100');
const TTS_FIXTURE = join(REPO, 'models/fixtures/clean-tts.wav');

/** Where the speech comes from, for skip messages and reports. */
export const speechSource = existsSync(SPEECH_DIR) ? 'librispeech-subset (../shared)' : 'models/fixtures/clean-tts.wav';

/** `seconds` of 16 kHz speech: LibriSpeech utterances back to back (sorted, from `offset`), or the TTS fixture repeated. */
export async function speech16k(seconds: number, offset = 0): Promise<Float32Array> {
  const files = existsSync(SPEECH_DIR)
    ? readdirSync(SPEECH_DIR).filter((f) => f.endsWith('.flac')).sort().slice(offset).map((f) => join(SPEECH_DIR, f))
    : [TTS_FIXTURE];
  const out = new Float32Array(Math.round(seconds * 16000));
  let filled = 0;
  for (let i = 0; filled < out.length; i++) {
    const clip = await readAudioFile(files[i % files.length]!);
    if (clip.sampleRate !== 16000) throw new Error(`${files[i % files.length]} is ${clip.sampleRate} Hz, expected 16000`);
    const take = Math.min(clip.samples.length, out.length - filled);
    out.set(clip.samples.subarray(0, take), filled);
    filled += take;
  }
  return out;
}

/** Deterministic white noise (xorshift32), uniform in [-1, 1). */
export function whiteNoise(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s / 0x80000000 - 1;
  }
  return out;
}

function rms(x: Float32Array): number {
  let sum = 0;
  for (const v of x) sum += v * v;
  return Math.sqrt(sum / Math.max(1, x.length));
}

/** speech + noise at `snrDb` (power ratio over the whole clip), scaled to stay within [-1, 1]. */
export function mixAtSnr(speech: Float32Array, snrDb: number, seed = 7): Float32Array {
  const noise = whiteNoise(speech.length, seed);
  const gain = rms(speech) / (rms(noise) * 10 ** (snrDb / 20));
  const out = new Float32Array(speech.length);
  let peak = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = speech[i]! + gain * noise[i]!;
    peak = Math.max(peak, Math.abs(out[i]!));
  }
  if (peak > 0.99) for (let i = 0; i < out.length; i++) out[i]! /= peak / 0.99;
  return out;
}

/** 16-bit PCM mono WAV. */
export function writeWav(path: string, samples: Float32Array, rate: number): void {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(Math.round(Math.max(-1, Math.min(1, samples[i]!)) * 32767), i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([h, data]));
}

/** Encodes a WAV to Ogg Opus (48 kHz mono, 20 ms frames, like WebRTC) and returns the audio packets. */
export function opusPackets(wavPath: string, oggPath: string, bitrate = '32k'): Uint8Array[] {
  ffmpeg(['-i', wavPath, '-ac', '1', '-ar', '48000', '-c:a', 'libopus', '-b:a', bitrate, '-application', 'voip', '-frame_duration', '20', oggPath]);
  return oggPackets(readFileSync(oggPath)).slice(2); // OpusHead and OpusTags come first
}

/** Packets of an Ogg stream (RFC 3533): page headers, segment tables and lacing. */
export function oggPackets(bytes: Uint8Array): Uint8Array[] {
  const packets: Uint8Array[] = [];
  let current: number[] = [];
  let at = 0;
  while (at + 27 <= bytes.length) {
    if (String.fromCharCode(...bytes.subarray(at, at + 4)) !== 'OggS') throw new Error(`no Ogg page at byte ${at}`);
    const segments = bytes[at + 26]!;
    const table = bytes.subarray(at + 27, at + 27 + segments);
    let body = at + 27 + segments;
    for (const lace of table) {
      current.push(...bytes.subarray(body, body + lace));
      body += lace;
      if (lace < 255) {
        packets.push(Uint8Array.from(current));
        current = [];
      }
    }
    at = body;
  }
  return packets;
}
