/**
 * Smoke test of the bench runner (`npm run bench` itself is not part of npm test): `--smoke` runs every
 * section at its smallest size (tiny model only, 1 server stream for 8 s, no Distill-MOS/DNSMOS references)
 * and must write results.json, RESULTS.md and the plots. No timing is asserted: only that every section
 * produced numbers, or said why it was skipped.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const python = spawnSync('python3', ['-c', 'import numpy, scipy, torch, matplotlib'], { encoding: 'utf8' });
const missing = python.status === 0 ? null : 'python3 with models/training/requirements.txt (numpy, scipy, torch, matplotlib) is missing';
if (missing) console.warn(`bench runner smoke test skipped: ${missing}`);

describe.skipIf(missing !== null)('bench runner (--smoke)', () => {
  it('runs every section and writes results.json, RESULTS.md and plots', () => {
    const out = mkdtempSync(join(tmpdir(), 'callmos-bench-smoke-'));
    execFileSync(process.execPath, ['bench/run.mjs', '--smoke', '--out', out], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(r.mode).toBe('smoke');
    expect(r.machineAtStart.cores).toBeGreaterThan(0);
    expect(r.machineAtEnd.loadavg).toHaveLength(3);

    expect(r.dsp.core.xRealTime).toBeGreaterThan(0);
    expect(r.dsp.numpy.xRealTime).toBeGreaterThan(0);
    expect(r.dsp.ratio).toBeGreaterThan(0);

    const runtimes = r.models.rows.map((x: { runtime: string }) => x.runtime.split(' ')[0]);
    expect(runtimes).toEqual(['onnxruntime-node', 'onnxruntime-web']);
    for (const row of r.models.rows) expect(row.rtf, JSON.stringify(row)).toBeGreaterThan(0);

    expect(r.floor.peakGflops).toBeGreaterThan(0);
    expect(r.floor.rows.map((x: { pctOfPeak: number }) => x.pctOfPeak).every((p: number) => p > 0)).toBe(true);

    // the server point and the stages need the mediasoup worker and ffmpeg; without them the sections say so
    if (r.scale.skipped) expect(r.scale.skipped).toMatch(/mediasoup|ffmpeg/);
    else {
      const [point] = r.scale.curves[0].points;
      expect(point.error).toBeUndefined();
      expect(point.sender).toBe('replay');
      expect(point.windowsScored).toBeGreaterThan(0);
      expect(point.p50Ms).toBeGreaterThanOrEqual(0);
      // one stream for a few seconds: the resident growth is a difference of two RSS readings, and a GC between
      // them can make it negative (CI once read -2.06 MB); the per-stream slope is the full bench's, over many points
      expect(Number.isFinite(point.rssPerStreamMB), String(point.rssPerStreamMB)).toBe(true);
      expect(r.scale.summary).toEqual([expect.objectContaining({ model: 'tiny', modelBoundPerCore: expect.any(Number) })]);
    }
    if (r.stages.skipped) expect(r.stages.skipped).toMatch(/mediasoup|ffmpeg/);
    else {
      const [row] = r.stages.rows;
      expect(row.error).toBeUndefined();
      for (const stage of ['rtp-transport', 'rtp-jitter', 'opus-decode', 'windows', 'speech-detector', 'model', 'telemetry']) {
        expect(row.msPerAudioSecond[stage], stage).toBeGreaterThanOrEqual(0);
      }
      expect(row.msPerAudioSecond.model).toBeGreaterThan(0);
      expect(row.rtpDelivered).toBe(1);
    }
    expect(r.gpu.skipped ?? r.gpu.onnxruntime ?? r.gpu.pytorch).toBeTruthy();

    const md = readFileSync(join(out, 'RESULTS.md'), 'utf8');
    for (const heading of ['## Headline', '## 1.', '## 2.', '## 2b.', '## 3a.', '## 3.', '## 4.']) expect(md).toContain(heading);
    expect(r.plots.files).toEqual(expect.arrayContaining(['bench-dsp.png', 'bench-models.png', 'bench-floor.png']));
    for (const f of r.plots.files) expect(existsSync(join(out, f))).toBe(true);
  }, 180_000);
});
