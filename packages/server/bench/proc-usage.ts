/** CPU and resident memory of a process from Linux /proc, for the server benches (streams.ts, stages.ts). */
import { readFileSync } from 'node:fs';

/** utime + stime of a process in seconds, and its resident memory in bytes. */
export function procUsage(pid: number): { cpuSeconds: number; rss: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15 of proc(5))
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return { cpuSeconds: ticks / 100, rss: rssKb * 1024 }; // USER_HZ is 100 on Linux
}
