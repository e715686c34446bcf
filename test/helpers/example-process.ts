/**
 * Runs an example's server as users run it (`node examples/<name>/server.mjs`, a child process on the
 * built packages) and reads the URL it prints; finds the processes it started (ps), to check that
 * Ctrl-C leaves none behind.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** What an example needs that may be missing here; null when all is there. */
export function missingBuild(): string | null {
  for (const pkg of ['core', 'node', 'server', 'client']) {
    if (!existsSync(join(REPO, 'packages', pkg, 'dist/index.js'))) return `packages/${pkg}/dist (npm run build)`;
  }
  return null;
}

export interface ExampleProcess {
  child: ChildProcess;
  /** what readyLine's first group matched: the URL a server prints (or the line an example is awaited for) */
  url: string;
  /** everything printed so far, stdout and stderr */
  output(): string;
  /** resolves with the exit code (or the signal's name) */
  exited: Promise<number | string>;
}

/**
 * Starts `examples/<script>` with `args` and waits until a line matches `readyLine` (its first group
 * is the URL). Rejects with the output if it exits or takes longer than `timeoutMs`.
 */
export async function startExample(script: string, args: string[], readyLine: RegExp, options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ExampleProcess> {
  const child = spawn(process.execPath, [join(REPO, 'examples', script), ...args], {
    cwd: REPO,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, as a terminal runs it: see interrupt()
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} printed no URL in ${options.timeoutMs ?? 60_000} ms:\n${out}`)), options.timeoutMs ?? 60_000);
    const check = () => {
      const m = readyLine.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code}) before it was ready:\n${out}`));
    });
  });
  return { child, url, output: () => out, exited };
}

/** Ctrl-C as a terminal sends it: SIGINT to the example's whole process group. */
export function interrupt(example: ExampleProcess): void {
  process.kill(-example.child.pid!, 'SIGINT');
}

/** Every process below `pid` (children, their children ...), from ps. */
export function descendants(pid: number): { pid: number; command: string }[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => {
      const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line)!;
      return { pid: Number(m[1]), ppid: Number(m[2]), command: m[3]! };
    });
  const found: { pid: number; command: string }[] = [];
  const walk = (parent: number) => {
    for (const r of rows.filter((r) => r.ppid === parent)) {
      found.push({ pid: r.pid, command: r.command });
      walk(r.pid);
    }
  };
  walk(pid);
  return found;
}

/** Whether a process is still running (a zombie waiting for its reaper counts as gone). */
export function alive(pid: number): boolean {
  try {
    return !execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim().startsWith('Z');
  } catch {
    return false; // ps exits 1 when there is no such process
  }
}
