/** External tools the browser tests need; each test that needs one skips, saying why, without it. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function findTool(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return null;
}

export const ffmpegPath = findTool('ffmpeg');
export const chromiumPath = process.env.CALLMOS_CHROMIUM ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : null);

export function run(tool: string, args: string[], input?: Buffer): Buffer {
  const result = spawnSync(tool, args, { input, maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${result.status}): ${result.stderr?.toString()}`);
  return result.stdout;
}

/** Decodes any audio file to mono float32 at `rate` with ffmpeg. */
export function decodeAudio(file: string, rate: number): Float32Array {
  const out = run(ffmpegPath!, ['-loglevel', 'error', '-nostdin', '-i', file, '-ac', '1', '-ar', String(rate), '-f', 'f32le', '-']);
  return new Float32Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
}

export function ffmpeg(args: string[]): void {
  run(ffmpegPath!, ['-loglevel', 'error', '-nostdin', '-y', ...args]);
}
