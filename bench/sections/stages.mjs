/**
 * Section 3a, where a monitored stream's CPU goes (issue 17): packages/server/bench/stages.ts per model, each
 * stage of the server's path timed on its own over the same real Opus stream, as CPU ms per second of one
 * stream's audio, beside the model-only bound (1 / RTF) measured in the same process.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { bundleForNode } from '../lib/bundle-ts.mjs';
import { ROOT } from '../lib/common.mjs';
import { scaleMissing } from './scale.mjs';

const execFileP = promisify(execFile);
const POINT = path.join(ROOT, 'packages', 'server', 'bench', 'stages.ts');

export async function benchStages({ models, stagesSeconds, stagesRepeat }) {
  const missing = scaleMissing();
  if (missing) return { skipped: missing };
  const rows = [];
  for (const model of models) {
    try {
      // compiled, on plain node (bench/lib/bundle-ts.mjs), as the scale curve's points
      const { stdout } = await execFileP(process.execPath, [await bundleForNode(POINT, 'stages'), '--model', model, '--seconds', String(stagesSeconds), '--repeat', String(stagesRepeat)], {
        cwd: ROOT,
        timeout: 600_000,
        maxBuffer: 1 << 22,
      });
      rows.push(JSON.parse(stdout.trim().split('\n').pop()));
    } catch (err) {
      rows.push({ model, error: (err.stderr || err.message).trim().split('\n').slice(-3).join(' | ') });
    }
  }
  return { rows };
}
