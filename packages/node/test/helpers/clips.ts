/**
 * A folder of generated speech clips for end-to-end runs: espeak-ng speech, degraded with ffmpeg (noise,
 * low-bitrate codecs), plus the awkward cases (short, silent, stereo 48 kHz FLAC, nested, broken).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { espeakPath, ffmpeg, runTool } from './tools.js';

export interface ClipFolder {
  dir: string;
  /** audio files the CLI should score, relative to dir, in the CLI's sorted order */
  scorable: string[];
  /** the truncated WAV, relative to dir */
  broken: string;
  /** bytes its header claims and bytes it holds */
  brokenSizes: { claimed: number; present: number };
  silent: string;
  short: string;
}

export function makeClipFolder(dir: string, work: string): ClipFolder {
  mkdirSync(join(dir, 'sub'), { recursive: true });
  mkdirSync(work, { recursive: true });
  const at = (name: string) => join(dir, name);
  const tmp = (name: string) => join(work, name);

  runTool(espeakPath!, ['-w', at('clean.wav'), 'The quick brown fox jumps over the lazy dog. Please call me back when you hear this message, it is about the meeting on Thursday.']);
  ffmpeg(['-i', at('clean.wav'), '-ar', '48000', '-ac', '2', '-c:a', 'flac', at('clean-48k-stereo.flac')]);
  // white noise at about the speech level: a heavy, unmistakable degradation
  ffmpeg([
    '-i', at('clean.wav'), '-f', 'lavfi', '-i', 'anoisesrc=color=white:amplitude=0.15:seed=7',
    '-filter_complex', '[0:a][1:a]amix=inputs=2:duration=first:normalize=0', '-c:a', 'pcm_s16le', at('noisy.wav'),
  ]);
  ffmpeg(['-i', at('clean.wav'), '-ar', '16000', '-c:a', 'libopus', '-b:a', '6k', tmp('opus.ogg')]);
  ffmpeg(['-i', tmp('opus.ogg'), '-ar', '16000', '-c:a', 'pcm_s16le', at('opus-6k.wav')]);
  ffmpeg(['-i', at('clean.wav'), '-ar', '8000', '-c:a', 'libgsm', tmp('gsm.gsm')]);
  ffmpeg(['-i', tmp('gsm.gsm'), '-c:a', 'flac', at('gsm.flac')]);
  ffmpeg(['-i', at('clean.wav'), '-ar', '8000', '-c:a', 'libmp3lame', '-b:a', '8k', tmp('low.mp3')]);
  ffmpeg(['-i', tmp('low.mp3'), '-c:a', 'pcm_s16le', at('sub/mp3-8k.wav')]);
  ffmpeg(['-i', at('clean.wav'), '-t', '0.4', '-c:a', 'pcm_s16le', at('short.wav')]);
  ffmpeg(['-f', 'lavfi', '-i', 'anullsrc=r=16000:cl=mono', '-t', '2', '-c:a', 'pcm_s16le', at('silent.wav')]);

  // A WAV cut mid-download: full header, 1200 bytes of its data.
  const whole = readFileSync(at('clean.wav'));
  const dataAt = whole.indexOf('data') + 8;
  writeFileSync(at('broken.wav'), whole.subarray(0, dataAt + 1200));
  writeFileSync(at('notes.txt'), 'not audio, and not picked up by the directory scan\n');

  return {
    dir,
    scorable: ['clean-48k-stereo.flac', 'clean.wav', 'gsm.flac', 'noisy.wav', 'opus-6k.wav', 'short.wav', 'silent.wav', 'sub/mp3-8k.wav'],
    broken: 'broken.wav',
    brokenSizes: { claimed: whole.readUInt32LE(dataAt - 4), present: 1200 },
    silent: 'silent.wav',
    short: 'short.wav',
  };
}
