/**
 * Models for the server tests: core's contract fixture (random weights, 1 s windows, always in the repo)
 * for fast pipeline tests, and the shipped models for the acceptance run.
 */
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CORE_FIXTURES = fileURLToPath(new URL('../../../core/test/fixtures/models/', import.meta.url));
const MODELS = fileURLToPath(new URL('../../../../models/', import.meta.url));

/** A model directory (model.onnx + card.json) holding core's tiny-ok fixture: W = 100 frames, hop 50. */
export function fixtureModelDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'callmos-fixture-model-'));
  copyFileSync(join(CORE_FIXTURES, 'tiny-ok.onnx'), join(dir, 'model.onnx'));
  copyFileSync(join(CORE_FIXTURES, 'tiny-ok.card.json'), join(dir, 'card.json'));
  return dir;
}

/** The largest shipped model installed here ('small', else 'tiny'), or null. */
export function largestShippedModel(): string | null {
  for (const name of ['small', 'tiny']) if (existsSync(join(MODELS, name, 'model.onnx'))) return name;
  return null;
}

/** Whether a shipped model is a trained one (the card carries measured accuracy) rather than a placeholder. */
export function isShipped(name: string): boolean {
  return existsSync(join(MODELS, name, 'model.onnx')) && existsSync(join(MODELS, name, 'card.json'));
}
