/**
 * The labelled speech / non-speech clips the speech-detector bench measures (issue 15): made here,
 * seeded, from ../shared/corpora (LibriSpeech speakers, real noises) and synthesis (coloured noise, hum,
 * tones, sweeps, DTMF and call-progress tones, music-like signals). Two disjoint splits: `tune` (the
 * thresholds are chosen on it) and `report` (the table is measured on it). Speakers and noise files are
 * split by name, so no speaker, noise file or synthesis seed of one split appears in the other.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { StreamingResampler } from '@callmos/core/dsp';
import { readAudioFile } from '@callmos/node';
import { rng, SHARED } from '../lib/common.mjs';

export const SR = 16000;
const CORPORA = path.join(SHARED, 'corpora');

const hash = (s) => [...s].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 7);
const splitOf = (name) => (hash(name) % 2 === 0 ? 'tune' : 'report');

const rms = (x) => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / Math.max(1, x.length)) || 1e-12;
/** RMS over the louder half of 20 ms frames: speech level without its pauses. */
function activeRms(x) {
  const n = 320;
  const e = [];
  for (let i = 0; i + n <= x.length; i += n) e.push(rms(x.subarray(i, i + n)));
  e.sort((a, b) => b - a);
  const top = e.slice(0, Math.max(1, Math.floor(e.length / 2)));
  return Math.sqrt(top.reduce((a, v) => a + v * v, 0) / top.length) || 1e-12;
}
const scaleTo = (x, dbfs, level = rms) => {
  const g = 10 ** (dbfs / 20) / level(x);
  return x.map((v) => v * g);
};
const add = (a, b) => a.map((v, i) => v + b[i]);
const clip = (x) => x.map((v) => Math.max(-1, Math.min(1, v)));

function loop(x, n, r) {
  const out = new Float32Array(n);
  let at = 0;
  let from = r ? r.int(Math.max(1, x.length)) : 0;
  while (at < n) {
    const take = Math.min(n - at, x.length - from);
    out.set(x.subarray(from, from + take), at);
    at += take;
    from = 0;
  }
  return out;
}

async function readMono16k(file) {
  const clip = await readAudioFile(file);
  if (clip.sampleRate === SR) return clip.samples;
  const rs = new StreamingResampler(clip.sampleRate, SR, { quality: 'high' });
  const a = rs.process(clip.samples);
  const b = rs.flush();
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

// ---- synthesis -------------------------------------------------------------------------------------

export function whiteNoise(n, r) {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    // Box-Muller
    const u = Math.max(1e-12, r.next());
    const v = r.next();
    const m = Math.sqrt(-2 * Math.log(u));
    x[i] = m * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) x[i + 1] = m * Math.sin(2 * Math.PI * v);
  }
  return x;
}

/** Pink by Paul Kellet's filter; brown by a leaky integrator. */
export function pinkNoise(n, r) {
  const w = whiteNoise(n, r);
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
  return w.map((x) => {
    b0 = 0.99886 * b0 + x * 0.0555179; b1 = 0.99332 * b1 + x * 0.0750759; b2 = 0.969 * b2 + x * 0.153852;
    b3 = 0.8665 * b3 + x * 0.3104856; b4 = 0.55 * b4 + x * 0.5329522; b5 = -0.7616 * b5 - x * 0.016898;
    const y = b0 + b1 + b2 + b3 + b4 + b5 + b6 + x * 0.5362;
    b6 = x * 0.115926;
    return y;
  });
}
export function brownNoise(n, r) {
  const w = whiteNoise(n, r);
  let y = 0;
  return w.map((x) => (y = 0.995 * y + 0.05 * x));
}

function lowpass(x, hz) {
  const a = Math.exp((-2 * Math.PI * hz) / SR);
  let y = 0;
  return x.map((v) => (y = (1 - a) * v + a * y));
}

/** A fan or mains hum: a 50/60 Hz fundamental with odd and even harmonics, blade rate and broadband air noise. */
export function fanHum(n, r) {
  const f0 = r.pick([50, 60, 100, 120]);
  const harm = Array.from({ length: 8 }, (_, k) => ({ f: f0 * (k + 1), a: r.uniform(0.1, 1) / (k + 1), p: r.uniform(0, 6.28) }));
  const blade = r.uniform(15, 40);
  const air = lowpass(pinkNoise(n, r), r.uniform(300, 2000));
  const airGain = r.uniform(0.5, 3) * (rms(new Float32Array(1).fill(0.3)) / rms(air));
  return Float32Array.from({ length: n }, (_, i) => {
    const t = i / SR;
    let s = 0;
    for (const h of harm) s += h.a * Math.sin(2 * Math.PI * h.f * t + h.p);
    return s * (1 + 0.2 * Math.sin(2 * Math.PI * blade * t)) + airGain * air[i];
  });
}

export function tone(n, r) {
  const f = r.pick([r.uniform(100, 400), r.uniform(400, 1200), r.uniform(1200, 4000)]);
  const p = r.uniform(0, 6.28);
  return Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * f * i) / SR + p));
}

export function sweep(n, r) {
  const f1 = r.uniform(80, 400);
  const f2 = r.uniform(1500, 7000);
  const period = r.uniform(1, 6) * SR;
  const log = r.next() < 0.5;
  let phase = 0;
  return Float32Array.from({ length: n }, (_, i) => {
    const u = (i % period) / period;
    const f = log ? f1 * (f2 / f1) ** u : f1 + (f2 - f1) * u;
    phase += (2 * Math.PI * f) / SR;
    return Math.sin(phase);
  });
}

const DTMF_ROWS = [697, 770, 852, 941];
const DTMF_COLS = [1209, 1336, 1477, 1633];

/** Key presses (50-150 ms tones, 50-200 ms gaps) or call-progress tones (dial, ringback, busy). */
export function dtmf(n, r) {
  const x = new Float32Array(n);
  const kind = r.int(4);
  const cadence = [null, [2, 4, 440, 480], [0.5, 0.5, 480, 620], null][kind];
  if (kind === 0 || kind === 3) {
    let at = 0;
    while (at < n) {
      const on = Math.round(r.uniform(0.05, 0.15) * SR);
      const fr = DTMF_ROWS[r.int(4)];
      const fc = DTMF_COLS[r.int(4)];
      for (let i = 0; i < on && at + i < n; i++) x[at + i] = 0.5 * (Math.sin((2 * Math.PI * fr * i) / SR) + Math.sin((2 * Math.PI * fc * i) / SR));
      at += on + Math.round(r.uniform(0.05, kind === 3 ? 0.6 : 0.2) * SR);
    }
    return x;
  }
  const [onS, offS, fa, fb] = cadence;
  const period = (onS + offS) * SR;
  for (let i = 0; i < n; i++) {
    if (i % period < onS * SR) x[i] = 0.5 * (Math.sin((2 * Math.PI * fa * i) / SR) + Math.sin((2 * Math.PI * fb * i) / SR));
  }
  return x;
}

const midi = (m) => 440 * 2 ** ((m - 69) / 12);

/** One note: harmonics with an instrument-ish spectrum, ADSR, optional vibrato. */
function note(x, at, len, f, amp, timbre) {
  const env = (i) => {
    const a = 0.01 * SR, d = 0.1 * SR, rel = 0.08 * SR;
    if (i < a) return i / a;
    if (i < a + d) return 1 - 0.4 * ((i - a) / d);
    if (i > len - rel) return 0.6 * Math.max(0, (len - i) / rel);
    return timbre.decay ? 0.6 * Math.exp(-(i - a - d) / (timbre.decay * SR)) : 0.6;
  };
  for (let i = 0; i < len && at + i < x.length; i++) {
    const t = i / SR;
    const vib = timbre.vibrato ? 1 + 0.004 * Math.sin(2 * Math.PI * 5.5 * t) : 1;
    let s = 0;
    for (let k = 1; k <= timbre.harmonics; k++) {
      if (f * k > 7500) break;
      s += (timbre.odd && k % 2 === 0 ? 0.1 : 1) * Math.sin(2 * Math.PI * f * k * vib * t) / k ** timbre.rolloff;
    }
    x[at + i] += amp * env(i) * s;
  }
}

/** Hold-music-like: a chord progression (pad or piano), a melody over it, sometimes bass and percussion. */
export function music(n, r) {
  const x = new Float32Array(n);
  const key = 48 + r.int(12);
  const bpm = r.uniform(70, 140);
  const beat = Math.round((60 / bpm) * SR);
  const scale = [0, 2, 4, 5, 7, 9, 11, 12];
  const progression = [[0, 4, 7], [5, 9, 12], [7, 11, 14], [9, 12, 16]];
  const timbres = [
    { harmonics: 12, rolloff: 1.2, decay: 0.8 }, // piano-ish
    { harmonics: 8, rolloff: 1.8, vibrato: true }, // flute/strings-ish
    { harmonics: 15, rolloff: 1, odd: true }, // clarinet/square-ish
  ];
  const pad = r.pick(timbres);
  const lead = r.pick(timbres);
  const withBass = r.next() < 0.6;
  const withDrums = r.next() < 0.5;
  for (let bar = 0, at = 0; at < n; bar++, at += 4 * beat) {
    const chord = progression[(bar + r.int(2)) % progression.length];
    for (const c of chord) note(x, at, 4 * beat, midi(key + c), 0.12, pad);
    if (withBass) note(x, at, 2 * beat, midi(key - 12 + chord[0]), 0.2, { harmonics: 4, rolloff: 2 });
    for (let b = 0; b < 4; b++) {
      const len = r.next() < 0.3 ? beat / 2 : beat;
      for (let s = 0; s < beat; s += len) note(x, at + b * beat + s, len, midi(key + 12 + scale[r.int(scale.length)]), 0.2, lead);
      if (withDrums) {
        const hit = Math.round(0.05 * SR);
        for (let i = 0; i < hit && at + b * beat + i < n; i++) x[at + b * beat + i] += 0.3 * (r.next() * 2 - 1) * Math.exp(-i / (0.01 * SR));
      }
    }
  }
  return x;
}

// ---- corpora -----------------------------------------------------------------------------------------

function listFiles(dir, ext) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p, ext));
    else if (e.name.endsWith(ext)) out.push(p);
  }
  return out.sort();
}

/** LibriSpeech utterances by speaker, split by speaker id. */
function speechFiles(split) {
  const files = listFiles(path.join(CORPORA, 'speech', 'librispeech-subset'), '.flac');
  return files.filter((f) => splitOf(path.basename(f).split('-')[0]) === split);
}

/** Real noise files, split by file name (cafe is kept out: its background voices are babble). */
const NOISE_FILES = {
  tune: ['bg-fridge.wav', 'sb-noise1.wav', 'sb-noise3.wav', 'esc50-1-100032-A-0.wav', 'esc50-3-103051-C-19.wav'],
  report: ['bg-traffic.wav', 'sb-noise2.wav', 'sb-noise4.wav', 'sb-noise5.wav', 'sb-noise-diffuse.flac', 'esc50-2-100648-A-43.wav', 'esc50-4-156993-A-19.wav', 'esc50-5-156999-C-19.wav'],
};

const cache = new Map();
const cached = (file) => {
  if (!cache.has(file)) cache.set(file, readMono16k(file));
  return cache.get(file);
};

async function utterance(files, r, n) {
  const x = await cached(r.pick(files));
  // short utterances loop with a 0.3 s pause, as the model factory does
  const gap = new Float32Array(Math.round(0.3 * SR));
  const joined = new Float32Array(x.length + gap.length);
  joined.set(x);
  return scaleTo(loop(joined, n, r), r.uniform(-32, -20), activeRms);
}

async function noiseSource(split, r, n) {
  const kind = r.int(4);
  if (kind === 0) return { name: 'pink', x: pinkNoise(n, r) };
  if (kind === 1) return { name: 'white', x: whiteNoise(n, r) };
  if (kind === 2) return { name: 'hum', x: fanHum(n, r) };
  const file = r.pick(NOISE_FILES[split]);
  return { name: file, x: loop(await cached(path.join(CORPORA, 'noise', file)), n, r) };
}

/**
 * The classes. `speech` says whether every window of the clip holds speech (the label); babble is
 * speech-like by nature and is reported on its own. `beyondGoal` speech is reported but not part of the
 * goal (speech at >= 0 dB SNR): below 0 dB SNR, and speech under the energy gate's floor.
 */
export const CLASSES = [
  { name: 'speech clean', speech: true },
  { name: 'speech SNR 20 dB', speech: true, snr: 20 },
  { name: 'speech SNR 10 dB', speech: true, snr: 10 },
  { name: 'speech SNR 5 dB', speech: true, snr: 5 },
  { name: 'speech SNR 0 dB', speech: true, snr: 0 },
  { name: 'speech SNR -5 dB', speech: true, snr: -5, beyondGoal: true },
  { name: 'speech quiet (-45 dBFS)', speech: true, quiet: true, beyondGoal: true },
  { name: 'silence', speech: false },
  { name: 'white noise', speech: false },
  { name: 'pink noise', speech: false },
  { name: 'brown noise', speech: false },
  { name: 'fan hum', speech: false },
  { name: 'real noise', speech: false },
  { name: 'pure tone', speech: false },
  { name: 'sweep', speech: false },
  { name: 'DTMF / call tones', speech: false },
  { name: 'music', speech: false },
  { name: 'music + noise', speech: false },
  { name: 'babble (4-6 talkers)', speech: 'babble' },
];

/** One clip of `cls` for `split`, `seconds` long, 16 kHz; deterministic for (split, class, index). */
export async function makeClip(split, cls, index, seconds) {
  const r = rng(hash(`${split}/${cls.name}/${index}`));
  const n = Math.round(seconds * SR);
  const level = r.uniform(-35, -18);
  let x;
  let detail = '';
  switch (cls.name) {
    case 'silence': {
      // digital silence, or a quiet room / idle mic floor
      x = r.next() < 0.3 ? new Float32Array(n) : scaleTo(pinkNoise(n, r), r.uniform(-75, -55));
      break;
    }
    case 'white noise': x = scaleTo(whiteNoise(n, r), level); break;
    case 'pink noise': x = scaleTo(pinkNoise(n, r), level); break;
    case 'brown noise': x = scaleTo(brownNoise(n, r), level); break;
    case 'fan hum': x = scaleTo(fanHum(n, r), level); break;
    case 'real noise': {
      const file = r.pick(NOISE_FILES[split]);
      detail = file;
      x = scaleTo(loop(await cached(path.join(CORPORA, 'noise', file)), n, r), level);
      break;
    }
    case 'pure tone': x = scaleTo(tone(n, r), level); break;
    case 'sweep': x = scaleTo(sweep(n, r), level); break;
    case 'DTMF / call tones': x = scaleTo(dtmf(n, r), level, activeRms); break;
    case 'music': x = scaleTo(music(n, r), level); break;
    case 'music + noise': {
      const m = scaleTo(music(n, r), level);
      const noise = await noiseSource(split, r, n);
      x = add(m, scaleTo(noise.x, level - r.uniform(5, 20)));
      detail = noise.name;
      break;
    }
    case 'babble (4-6 talkers)': {
      const files = speechFiles(split);
      const talkers = 4 + r.int(3);
      x = new Float32Array(n);
      for (let k = 0; k < talkers; k++) x = add(x, await utterance(files, r, n));
      x = scaleTo(x, level);
      break;
    }
    default: {
      const s = await utterance(speechFiles(split), r, n);
      if (cls.quiet) x = scaleTo(s, -45, activeRms);
      else if (cls.snr === undefined) x = s;
      else {
        const noise = await noiseSource(split, r, n);
        detail = noise.name;
        x = add(s, scaleTo(noise.x, 20 * Math.log10(activeRms(s)) - cls.snr));
      }
    }
  }
  return { samples: Float32Array.from(clip(x)), detail };
}
