/**
 * Speech for simulated participants and tests, from the project's own material: read speech from the
 * LibriSpeech subset in ../shared when the repo sits beside it (as in CI), else the repo's TTS fixture
 * (models/fixtures/clean-tts.wav, espeak-ng speech), repeated.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAudioFile } from '@callmos/node';
import { decodeAudio } from './ffmpeg.mjs';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const LIBRISPEECH_DIR = join(REPO, '../shared/corpora/speech/librispeech-subset/train-clean-100/librispeech_train-clean-100');
export const TTS_FIXTURE = join(REPO, 'models/fixtures/clean-tts.wav');

/** Where the speech comes from, for skip messages and start-up lines. */
export const speechSource = existsSync(LIBRISPEECH_DIR) ? 'librispeech-subset (../shared)' : 'models/fixtures/clean-tts.wav (TTS)';

/**
 * Loud vs quiet 10 ms frames (95th vs 10th percentile energy), dB: a rough speech-to-background ratio.
 * Audiobook recordings vary (some carry hum or room noise); this picks the clean ones by a signal
 * measure, not by any model's score.
 * @param {Float32Array} x 16 kHz samples @returns {number}
 */
export function backgroundRatioDb(x) {
  const e = [];
  for (let at = 0; at + 160 <= x.length; at += 160) {
    let s = 0;
    for (let i = at; i < at + 160; i++) s += x[i] * x[i];
    e.push(s / 160 + 1e-12);
  }
  e.sort((a, b) => a - b);
  return 10 * Math.log10(e[Math.floor(0.95 * e.length)] / e[Math.floor(0.1 * e.length)]);
}

/**
 * A speech file as 16 kHz mono: decoded in process (@callmos/node: WAV, FLAC) when it is 16 kHz already,
 * else resampled by ffmpeg.
 * @param {string} file @returns {Promise<Float32Array>}
 */
export async function read16k(file) {
  const clip = await readAudioFile(file);
  return clip.sampleRate === 16000 ? clip.samples : decodeAudio(file, 16000);
}

/** rankings by candidate count: decoding and rating every file is the costly part, done once per count */
/** @type {Map<number, Promise<string[]>>} */
const ranked = new Map();
/**
 * The first `candidates` LibriSpeech utterances (by name), cleanest first (backgroundRatioDb).
 * @param {number} [candidates] @returns {Promise<string[]>} paths
 */
export function cleanestUtterances(candidates = 60) {
  const cached = ranked.get(candidates);
  if (cached) return cached;
  const ranking = (async () => {
    const files = readdirSync(LIBRISPEECH_DIR).filter((f) => f.endsWith('.flac')).sort().slice(0, candidates).map((f) => join(LIBRISPEECH_DIR, f));
    const rated = [];
    for (const file of files) rated.push({ file, ratio: backgroundRatioDb(await read16k(file)) });
    return rated.sort((a, b) => b.ratio - a.ratio).map((c) => c.file);
  })();
  ranked.set(candidates, ranking);
  return ranking;
}

/**
 * `seconds` of 16 kHz mono speech: LibriSpeech utterances back to back (sorted by name, from the
 * `offset`-th: different offsets give different speakers), or the TTS fixture repeated. With `cleanest`,
 * the utterances are taken from cleanestUtterances() instead (for a demo's "clean" participants).
 * @param {number} seconds @param {number} [offset] @param {{ cleanest?: boolean }} [options] @returns {Promise<Float32Array>}
 */
export async function speech16k(seconds, offset = 0, { cleanest = false } = {}) {
  const librispeech = async () =>
    cleanest
      ? (await cleanestUtterances()).slice(offset)
      : readdirSync(LIBRISPEECH_DIR).filter((f) => f.endsWith('.flac')).sort().slice(offset).map((f) => join(LIBRISPEECH_DIR, f));
  const files = existsSync(LIBRISPEECH_DIR) ? await librispeech() : [TTS_FIXTURE];
  if (files.length === 0) throw new Error(`no speech files in ${LIBRISPEECH_DIR} from offset ${offset}`);
  const out = new Float32Array(Math.round(seconds * 16000));
  let filled = 0;
  for (let i = 0; filled < out.length; i++) {
    const clip = await read16k(files[i % files.length]);
    const take = Math.min(clip.length, out.length - filled);
    out.set(clip.subarray(0, take), filled);
    filled += take;
  }
  return out;
}
