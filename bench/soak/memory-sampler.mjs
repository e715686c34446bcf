/**
 * Resident memory of this process (and its heap) and of the mediasoup worker, sampled every few seconds,
 * and the slope of each after warm-up: a least-squares line through the samples, in MB per hour. A leak
 * shows as a slope that stays positive however long the run; noise and one-off growth flatten with time.
 */
import { readFileSync } from 'node:fs';

/** Resident set of another process (Linux /proc), bytes; null when it is gone. */
function rssOf(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
  } catch {
    return null;
  }
}

/**
 * This process's resident set split by what backs it (/proc/self/status): anonymous pages (malloc, V8's heap,
 * wasm memories) vs file pages (the code of node, onnxruntime and mediasoup's libraries, paged in as paths
 * first run: growth there is not a leak). Nulls off Linux.
 */
function ownRssParts() {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)[1]) * 1024;
    return { anon: kb('RssAnon'), file: kb('RssFile') };
  } catch {
    return { anon: null, file: null };
  }
}

/** glibc's per-thread malloc arenas are 64 MiB reservations: a rw- part that grows, a ---p remainder */
const GLIBC_HEAP_KB = 65536;

/**
 * Where this process's anonymous resident memory sits (/proc/self/smaps), bytes: the main malloc arena
 * (`[heap]`, brk), the other malloc arenas (glibc makes one per thread that allocates, up to 8 per core:
 * onnxruntime's runs on the inference thread allocate in one of these), and the rest (V8's heap pages, wasm
 * memories, large malloc blocks that glibc mmaps on their own). Growth confined to one part says who holds it.
 * Nulls off Linux.
 */
function anonParts() {
  let text;
  try {
    text = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return { brkHeap: null, mallocArenas: null, arenaCount: null, otherAnon: null };
  }
  const maps = [];
  let cur = null;
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      cur = { start: parseInt(head[1], 16), end: parseInt(head[2], 16), perms: head[3], name: head[4], rss: 0, anon: 0 };
      maps.push(cur);
    } else if (cur) {
      const kv = /^(Rss|Anonymous):\s+(\d+) kB/.exec(line);
      if (kv) cur[kv[1] === 'Rss' ? 'rss' : 'anon'] = Number(kv[2]) * 1024;
    }
  }
  let brkHeap = 0;
  let mallocArenas = 0;
  let arenaCount = 0;
  let otherAnon = 0;
  for (let i = 0; i < maps.length; i++) {
    const m = maps[i];
    if (m.name === '[heap]') {
      brkHeap += m.anon;
      continue;
    }
    if (m.name !== '' || m.anon === 0) continue;
    const next = maps[i + 1];
    const arena =
      m.perms.startsWith('rw') &&
      next !== undefined &&
      next.name === '' &&
      next.perms === '---p' &&
      next.start === m.end &&
      (next.end - m.start) / 1024 === GLIBC_HEAP_KB;
    if (arena || (m.perms.startsWith('rw') && (m.end - m.start) / 1024 === GLIBC_HEAP_KB)) {
      mallocArenas += m.anon;
      arenaCount++;
    } else otherAnon += m.anon;
  }
  return { brkHeap, mallocArenas, arenaCount, otherAnon };
}

export class MemorySampler {
  /**
   * @param {() => number | undefined} workerPid the current mediasoup worker's pid
   * @param {number} t0 performance.now() of the run's start (sample times are seconds since then)
   */
  constructor(workerPid, t0) {
    this.workerPid = workerPid;
    this.t0 = t0;
    /** @type {{ t: number, rssMB: number, rssAnonMB: number | null, rssFileMB: number | null, brkHeapMB: number | null, mallocArenasMB: number | null, mallocArenaCount: number | null, otherAnonMB: number | null, heapMB: number, heapTotalMB: number, externalMB: number, arrayBuffersMB: number, workerRssMB: number | null }[]} */
    this.samples = [];
  }

  sample() {
    globalThis.gc?.(); // with --expose-gc: the heap after a full collection, not wherever the GC happens to be
    const m = process.memoryUsage();
    const pid = this.workerPid();
    const worker = pid === undefined ? null : rssOf(pid);
    const parts = ownRssParts();
    const anon = anonParts();
    const mb = (b) => (b === null ? null : b / 1e6);
    this.samples.push({
      t: (performance.now() - this.t0) / 1000,
      rssMB: mb(m.rss),
      rssAnonMB: mb(parts.anon),
      rssFileMB: mb(parts.file),
      heapMB: mb(m.heapUsed),
      // V8's committed heap: used + free pages it keeps; growth here with a flat heapMB is V8 retention
      heapTotalMB: mb(m.heapTotal),
      externalMB: mb(m.external),
      arrayBuffersMB: mb(m.arrayBuffers),
      workerRssMB: worker === null ? null : mb(worker),
      brkHeapMB: mb(anon.brkHeap),
      mallocArenasMB: mb(anon.mallocArenas),
      mallocArenaCount: anon.arenaCount,
      otherAnonMB: mb(anon.otherAnon),
    });
  }

  /**
   * Slope (MB/h) of each series over the samples with fromS <= t < toS, and the range it covers.
   * @param {number} fromS @param {number} [toS]
   */
  slopes(fromS, toS = Infinity) {
    const within = this.samples.filter((s) => s.t >= fromS && s.t < toS);
    const out = { fromS, toS: within.length ? within[within.length - 1].t : fromS, samples: within.length };
    for (const key of ['rssMB', 'rssAnonMB', 'rssFileMB', 'brkHeapMB', 'mallocArenasMB', 'otherAnonMB', 'heapMB', 'heapTotalMB', 'externalMB', 'arrayBuffersMB', 'workerRssMB']) {
      const pts = within.filter((s) => s[key] !== null && s[key] !== undefined).map((s) => [s.t / 3600, s[key]]);
      out[key.replace(/MB$/, 'MBPerHour')] = slope(pts);
      out[key.replace(/MB$/, 'MBFirstLast')] = pts.length ? [pts[0][1], pts[pts.length - 1][1]] : null;
    }
    return out;
  }
}

/** Least-squares slope of [x, y] points, or null with fewer than 3. */
function slope(pts) {
  if (pts.length < 3) return null;
  const n = pts.length;
  const mx = pts.reduce((a, [x]) => a + x, 0) / n;
  const my = pts.reduce((a, [, y]) => a + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of pts) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxx === 0 ? null : sxy / sxx;
}
