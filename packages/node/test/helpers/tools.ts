import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Path of an external tool the tests can use, or null (tests using it then skip, saying why). */
export function findTool(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return null;
}

/** Run a tool and fail the test with its stderr when it fails. */
export function runTool(tool: string, args: string[]): void {
  const result = spawnSync(tool, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
}

export const ffmpegPath = findTool('ffmpeg');
export const espeakPath = findTool('espeak-ng');

export function ffmpeg(args: string[]): void {
  if (!ffmpegPath) throw new Error('ffmpeg is not installed');
  runTool(ffmpegPath, ['-loglevel', 'error', '-nostdin', '-y', ...args]);
}
