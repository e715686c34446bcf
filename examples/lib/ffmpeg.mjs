/**
 * ffmpeg, the one external tool the examples need: finding it, running it to completion, and decoding any
 * audio file to mono float32 samples at a chosen rate.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** @param {string} name @returns {string | null} the tool's path on PATH, or null */
export function findTool(name) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return null;
}

/** ffmpeg's path, or null when it is not installed (apt-get install ffmpeg). */
export const ffmpegPath = findTool('ffmpeg');

/**
 * Runs a tool to completion; throws with its stderr when it fails.
 * @param {string} tool @param {string[]} args @param {Buffer} [input] @returns {Buffer} its stdout
 */
export function runTool(tool, args, input) {
  const result = spawnSync(tool, args, { input, maxBuffer: 1 << 30 });
  if (result.error) throw new Error(`${tool} could not run: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${result.status}): ${result.stderr?.toString()}`);
  return result.stdout;
}

/** @param {string[]} args ffmpeg's arguments after its quiet, non-interactive, overwrite flags */
export function ffmpeg(args) {
  if (!ffmpegPath) throw new Error('ffmpeg is not installed (apt-get install ffmpeg)');
  runTool(ffmpegPath, ['-loglevel', 'error', '-nostdin', '-y', ...args]);
}

/**
 * Any audio file ffmpeg reads, as mono float32 at `rate`.
 * @param {string} file @param {number} rate @returns {Float32Array}
 */
export function decodeAudio(file, rate) {
  if (!ffmpegPath) throw new Error('ffmpeg is not installed (apt-get install ffmpeg)');
  const out = runTool(ffmpegPath, ['-loglevel', 'error', '-nostdin', '-i', file, '-ac', '1', '-ar', String(rate), '-f', 'f32le', '-']);
  return new Float32Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
}
