/**
 * The fake microphone's clips: clean speech (LibriSpeech from ../shared when present, else the repo's
 * TTS fixture) and the same speech heavily degraded: white noise at 0 dB SNR against the active speech,
 * then a round trip through Opus at 8 kbps. 44.1 kHz 16-bit mono WAV: Chromium's fake capture device and
 * the AudioContext run at 44.1 kHz, so the file's samples reach the tap unresampled and the browser's
 * chain (core resampler 44.1k -> 16k) is the CLI's on the same file. (At 48 kHz Chromium's own resampler
 * sits in between and moved this model's scores by ~0.05 MOS.)
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeAudio, ffmpeg } from './tools.js';
import { writeWav } from './wav.js';
import { concat } from '../../../../examples/lib/audio.mjs';
import { backgroundRatioDb, LIBRISPEECH_DIR as LIBRISPEECH, TTS_FIXTURE } from '../../../../examples/lib/speech.mjs';

export const CLIP_RATE = 44100;

export interface Clips {
  clean: string;
  degraded: string;
  source: string;
}

/**
 * A deterministic 16 s clean clip: the three LibriSpeech utterances (of the first 40 by name) with the
 * highest speech-to-background ratio (audiobook recordings vary: some carry hum or room noise), or the
 * TTS fixture repeated. Chosen by a signal measure, not by any model's score.
 */
function cleanSpeech(): { samples: Float32Array; source: string } {
  if (existsSync(LIBRISPEECH)) {
    const candidates = readdirSync(LIBRISPEECH).filter((f) => f.endsWith('.flac')).sort().slice(0, 40);
    const files = candidates
      .map((f) => ({ f, snr: backgroundRatioDb(decodeAudio(join(LIBRISPEECH, f), 16000)) }))
      .sort((a, b) => b.snr - a.snr)
      .slice(0, 3)
      .map((c) => c.f)
      .sort();
    const parts = files.map((f) => decodeAudio(join(LIBRISPEECH, f), CLIP_RATE));
    return { samples: concat(parts).subarray(0, 16 * CLIP_RATE), source: `LibriSpeech ${files.join(', ')}` };
  }
  const tts = decodeAudio(TTS_FIXTURE, CLIP_RATE);
  return { samples: concat([tts, tts]), source: 'models/fixtures/clean-tts.wav x2 (../shared absent)' };
}

export function makeClips(dir: string): Clips {
  const { samples, source } = cleanSpeech();
  const clean = join(dir, 'clean.wav');
  writeWav(clean, samples, CLIP_RATE, 'pcm16');

  const noisy = addWhiteNoise(samples, 0, 7);
  const noisyPath = join(dir, 'noisy-0db.wav');
  writeWav(noisyPath, noisy, CLIP_RATE, 'pcm16');
  const opus = join(dir, 'noisy-0db-opus8k.ogg');
  ffmpeg(['-i', noisyPath, '-c:a', 'libopus', '-b:a', '8k', '-application', 'voip', opus]);
  const degraded = join(dir, 'degraded.wav');
  ffmpeg(['-i', opus, '-ac', '1', '-ar', String(CLIP_RATE), '-c:a', 'pcm_s16le', degraded]);
  return { clean, degraded, source };
}

/** Adds white noise at `snrDb` relative to the RMS of the active speech (10 ms frames within 40 dB of the loudest). */
export function addWhiteNoise(x: Float32Array, snrDb: number, seed: number): Float32Array {
  const frame = CLIP_RATE / 100;
  const energies: number[] = [];
  for (let at = 0; at + frame <= x.length; at += frame) {
    let e = 0;
    for (let i = at; i < at + frame; i++) e += x[i]! * x[i]!;
    energies.push(e / frame);
  }
  const loudest = Math.max(...energies);
  const active = energies.filter((e) => e > loudest * 1e-4);
  const speechRms = Math.sqrt(active.reduce((a, b) => a + b, 0) / active.length);
  const noiseRms = speechRms / 10 ** (snrDb / 20);
  const rand = mulberry32(seed);
  const out = new Float32Array(x.length);
  let peak = 0;
  for (let i = 0; i < x.length; i++) {
    // sum of 4 uniforms: close enough to Gaussian, unit variance after scaling
    const g = (rand() + rand() + rand() + rand() - 2) * Math.sqrt(3);
    out[i] = x[i]! + noiseRms * g;
    peak = Math.max(peak, Math.abs(out[i]!));
  }
  if (peak > 0.99) for (let i = 0; i < out.length; i++) out[i]! *= 0.99 / peak; // no clipping: that is another degradation
  return out;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
