/**
 * The built CommonJS entry points, used as a `require` user would: in a child process, through the
 * packages' `exports`. esbuild leaves `import.meta` empty in CJS output unless shimmed, which once made
 * the default speech detector (found through import.meta.url) fail every CJS attachQualityMonitor.
 * `npm test` builds first; the test needs dist/.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function runCjs(script: string): string {
  return execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 }).trim();
}

describe('CommonJS builds', () => {
  it('@callmos/node: the default speech detector and model load and score through require()', () => {
    const out = runCjs(`
      const node = require('@callmos/node');
      (async () => {
        const vad = await node.loadSpeechDetector();
        const model = await node.loadModel('tiny');
        const scores = await model.run(new Float32Array(model.windowSize).fill(-1));
        console.log(JSON.stringify({ vad: vad.id, model: model.id, finite: Number.isFinite(scores[0].mos) }));
        await Promise.all([vad.release(), model.release()]);
      })().catch((err) => { console.error(err); process.exit(1); });
    `);
    const result = JSON.parse(out.split('\n').pop()!);
    expect(result).toMatchObject({ vad: 'silero-vad-v6', finite: true });
    expect(result.model).toMatch(/^tiny@/);
  }, 60_000);

  it('@callmos/server and @callmos/core resolve through require()', () => {
    const out = runCjs(`
      const server = require('@callmos/server');
      const core = require('@callmos/core');
      console.log(typeof server.attachQualityMonitor, typeof server.serveTelemetry, typeof core.MosModel);
    `);
    expect(out).toBe('function function function');
  }, 60_000);
});
