/** What every bench section shares: paths, the run mode's sizes, statistics, and the Python references. */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = path.dirname(path.dirname(path.dirname(fileURLToPath(import.meta.url))));
/** ../shared beside the repo (CI clones the repo next to it); teachers and corpora live there. */
export const SHARED = path.join(ROOT, '..', 'shared');
export const TRAINING = path.join(ROOT, 'models', 'training');

/** mulberry32: small, fast, seeded (synthetic clips, model initialisation: the same seed, the same numbers). */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, uniform: (lo, hi) => lo + (hi - lo) * next(), int: (n) => Math.floor(next() * n), pick: (xs) => xs[Math.floor(next() * xs.length)] };
}
export const median = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : null);
export const quantile = (xs, q) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] : null);

/** Median wall time (ms) of `runs` awaited calls of fn, after `warmup` uncounted ones (the first one's time kept). */
export async function timeMs(fn, runs, warmup = 1) {
  let firstMs = null;
  for (let i = 0; i < warmup; i++) {
    const t = performance.now();
    await fn();
    firstMs ??= performance.now() - t;
  }
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return { medianMs: median(times), minMs: Math.min(...times), firstMs, runs };
}

const execFileP = promisify(execFile);

/**
 * Runs `python3 -m callmos_factory.bench_reference <args>` (models/training, one thread) and returns its
 * JSON; on failure returns { error } so one missing reference never sinks the whole bench.
 */
export async function pythonReference(args, timeoutMs = 300_000) {
  try {
    const { stdout } = await execFileP('python3', ['-m', 'callmos_factory.bench_reference', ...args], {
      cwd: TRAINING,
      timeout: timeoutMs,
      maxBuffer: 1 << 24,
      env: { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
    });
    return JSON.parse(stdout.trim().split('\n').pop());
  } catch (err) {
    const detail = (err.stderr || err.message || String(err)).trim().split('\n').pop();
    return { error: `python reference (${args[0]}) failed: ${detail}` };
  }
}

/** The card of a shipped model. */
export function readCard(name) {
  return JSON.parse(readFileSync(path.join(ROOT, 'models', name, 'card.json'), 'utf8'));
}

export const hopSeconds = (card) => (card.input.hopFrames * 160) / card.sampleRate;
export const windowSeconds = (card) => (card.input.windowFrames * 160) / card.sampleRate;

/** A deterministic window of STFT-like values (model cost does not depend on content). */
export function syntheticWindow(size) {
  const w = new Float32Array(size);
  for (let i = 0; i < size; i++) w[i] = Math.sin(i * 0.37) * 0.5;
  return w;
}

/** CPU model, cores, memory, load average, versions: recorded at the start and the end of each run. */
export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadavg: os.loadavg().map((x) => +x.toFixed(2)),
    node: process.version,
  };
}

export const exists = existsSync;
