/** CPU and resident memory of a process from Linux /proc, for the server benches (streams.ts, stages.ts). */
import { readFileSync, readdirSync } from 'node:fs';

/** utime + stime in seconds from a /proc stat file (a process's or one thread's). */
function statCpuSeconds(path: string): number {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // after the name, which may hold spaces
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (fields 14, 15 of proc(5)); USER_HZ is 100
}

/** utime + stime of a process in seconds, and its resident memory in bytes. */
export function procUsage(pid: number): { cpuSeconds: number; rss: number } {
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return { cpuSeconds: statCpuSeconds(`/proc/${pid}/stat`), rss: rssKb * 1024 };
}

/** utime + stime of each thread of a process (Linux /proc/PID/task), seconds by thread id. */
export function threadCpuSeconds(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(Number(tid), statCpuSeconds(`/proc/${pid}/task/${tid}/stat`));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/**
 * Where a process's CPU went between two threadCpuSeconds readings: its main thread (JS: RTP, decoding,
 * framing, scheduling), the busiest other thread (the inference thread when there is one: onnxruntime
 * runs) and all the others (V8's garbage-collection helpers, libuv's pool), in CPU seconds.
 */
export function threadSplit(pid: number, before: Map<number, number>, after: Map<number, number>): { main: number; busiestOther: number; rest: number } {
  const delta = [...after].map(([tid, s]) => [tid, s - (before.get(tid) ?? 0)] as const);
  const main = delta.find(([tid]) => tid === pid)?.[1] ?? 0;
  const others = delta.filter(([tid]) => tid !== pid).map(([, s]) => s).sort((a, b) => b - a);
  const busiestOther = others[0] ?? 0;
  return { main, busiestOther, rest: others.slice(1).reduce((a, b) => a + b, 0) };
}
