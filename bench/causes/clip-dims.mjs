// The students' dims on the model factory's clips, with each clip's recorded degradation chain: the
// input of the cause table (cause-table.mjs). One 4 s clip = one window; scored as the CLI scores a file
// (energy gate, no speech detector: the factory's clips are all speech). Only clips with one degradation are
// read: the cause table and its fit use no others.
//   node bench/causes/clip-dims.mjs --split val|test|train [--models small,tiny] [--limit N]
// Needs `npm run build` and the factory's clips (python -m callmos_factory.synth; CALLMOS_WORK_DIR as there).
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { scoreClip } from '@callmos/core';
import { loadModel, readAudioFile } from '@callmos/node';
import { ROOT } from '../lib/common.mjs';

export const CLIPS_DIR = path.join(process.env.CALLMOS_WORK_DIR ?? path.join(ROOT, 'models', 'training', 'work'), 'clips');
export const OUT = path.join(ROOT, 'bench', 'out');

export function dimsFile(split, model) {
  return path.join(OUT, `cause-dims-${split}-${model}.json`);
}

async function main() {
  const argv = process.argv.slice(2);
  const option = (name, dflt) => (argv.indexOf(`--${name}`) >= 0 ? argv[argv.indexOf(`--${name}`) + 1] : dflt);
  const split = option('split', 'val');
  const models = option('models', 'small,tiny').split(',');
  const limit = Number(option('limit', 0));
  const dir = path.join(CLIPS_DIR, split);
  if (!existsSync(dir)) throw new Error(`${dir} not found: run python -m callmos_factory.synth first`);
  const recipes = new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => [f.slice(0, -5), JSON.parse(readFileSync(path.join(dir, f), 'utf8'))]),
  );
  let ids = [...recipes.keys()].filter((id) => recipes.get(id).degradations.length === 1).sort();
  if (limit > 0) ids = ids.slice(0, limit);
  mkdirSync(OUT, { recursive: true });
  for (const name of models) {
    const model = await loadModel(name, { provider: 'cpu', intraOpThreads: 1 });
    const rows = [];
    for (const id of ids) {
      const meta = recipes.get(id);
      const clip = await readAudioFile(path.join(dir, `${id}.wav`));
      const score = await scoreClip(model, clip.samples, clip.sampleRate);
      const window = score.windows.find((w) => w.scored) ?? score.windows[0];
      rows.push({ id, degradations: meta.degradations, source: meta.source.kind, mos: score.mos, dims: score.dims, signal: window?.signal });
    }
    writeFileSync(dimsFile(split, name), JSON.stringify({ split, model: model.id, rows }));
    process.stderr.write(`[clip-dims] ${name}: ${rows.length} clips of ${split} -> ${dimsFile(split, name)}\n`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
