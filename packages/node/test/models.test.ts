import { modelsDir, shippedModels } from '@callmos/models';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CallmosError, CardError, ModelContractError } from '@callmos/core';
import { listModels, loadModel, loadModelWithDetails, ModelLoadError, readCard, resolveModelFiles } from '../src/models.js';

/** Contract fixture graphs committed by core (random weights, real shapes). */
const fixtures = fileURLToPath(new URL('../../core/test/fixtures/models/', import.meta.url));
const okCard = JSON.parse(readFileSync(join(fixtures, 'tiny-ok.card.json'), 'utf8')) as Record<string, unknown>;

const root = mkdtempSync(join(tmpdir(), 'callmos-models-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A model directory under `root`: model.onnx copied from a fixture graph, card.json as given. */
function modelDir(name: string, graph: string | null, card: unknown | string | null): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  if (graph !== null) copyFileSync(join(fixtures, graph), join(dir, 'model.onnx'));
  if (card !== null) writeFileSync(join(dir, 'card.json'), typeof card === 'string' ? card : JSON.stringify(card));
  return dir;
}

async function loadError(nameOrPath: string, options = {}): Promise<ModelLoadError> {
  const err = await loadModel(nameOrPath, { provider: 'cpu', ...options }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelLoadError);
  expect(err).toBeInstanceOf(CallmosError);
  return err as ModelLoadError;
}

describe('loadModel', () => {
  const okDir = modelDir('ok', 'tiny-ok.onnx', okCard);

  it('loads a model directory, validates it and runs a window', async () => {
    const loaded = await loadModelWithDetails(okDir, { provider: 'cpu', intraOpThreads: 1 });
    expect(loaded.model.id).toBe('test-tiny@0.0.1');
    expect(loaded.provider).toBe('cpu');
    expect(loaded.files).toEqual({ onnxPath: join(okDir, 'model.onnx'), cardPath: join(okDir, 'card.json') });
    const [score] = await loaded.model.run([new Float32Array(loaded.model.windowSize)]);
    expect(score.mos).toBeGreaterThanOrEqual(1);
    expect(score.mos).toBeLessThanOrEqual(5);
    expect(Object.keys(score.dims)).toEqual(['noisiness', 'coloration', 'discontinuity', 'loudness', 'sig', 'bak']);
  });

  it('loads a .onnx path with card.json beside it', async () => {
    const model = await loadModel(join(okDir, 'model.onnx'), { provider: 'cpu' });
    expect(model.card.input.windowFrames).toBe(100);
  });

  it('resolves a bare name inside modelsDir', async () => {
    const model = await loadModel('ok', { provider: 'cpu', modelsDir: root });
    expect(model.id).toBe('test-tiny@0.0.1');
    expect(resolveModelFiles('ok', root).name).toBe('ok');
  });

  it('names an unknown model and lists the installed ones', async () => {
    const err = await loadError('nosuch', { modelsDir: root });
    expect(err.message).toMatch(/no model named "nosuch" \(installed: .*\bok\b/);
    expect(err.source).toBe(join(root, 'nosuch'));
    expect(err.code).toBe('MODEL_NOT_FOUND');
  });

  it('fails on a model directory that does not exist', async () => {
    const missing = join(root, 'missing-dir');
    const err = await loadError(`${missing}/`);
    expect(err.message).toBe(`${missing}: no such model directory or .onnx file`);
    expect(err.code).toBe('MODEL_NOT_FOUND');
  });

  it('fails when card.json is missing, naming it', async () => {
    const dir = modelDir('no-card', 'tiny-ok.onnx', null);
    expect(await loadError(dir)).toMatchObject({ message: `${join(dir, 'card.json')}: missing`, code: 'MODEL_NOT_FOUND' });
  });

  it('fails when model.onnx is missing, naming it', async () => {
    const dir = modelDir('no-graph', null, okCard);
    expect(await loadError(dir)).toMatchObject({ message: `${join(dir, 'model.onnx')}: missing`, code: 'MODEL_NOT_FOUND' });
  });

  it('fails on card.json that is not JSON', async () => {
    const dir = modelDir('bad-json', 'tiny-ok.onnx', '{ "cardVersion": 1, ');
    const err = await loadError(dir);
    expect(err.source).toBe(join(dir, 'card.json'));
    expect(err.message).toMatch(/card\.json: not valid JSON: /);
    expect(err.code).toBe('MODEL_CARD_INVALID');
  });

  it('fails on a card that breaks the schema, listing each problem with its JSON path', async () => {
    const input = { ...(okCard.input as object), windowFrames: undefined, bins: 257 };
    const dir = modelDir('bad-card', 'tiny-ok.onnx', { ...okCard, input });
    const err = await loadError(dir);
    expect(err.source).toBe(join(dir, 'card.json'));
    expect(err.message).toContain('invalid model card');
    expect(err.message).toContain('card.input.windowFrames is missing');
    expect(err.message).toContain('card.input.bins must be 161, got 257');
    expect(err.code).toBe('MODEL_CARD_INVALID');
    expect(err.cause).toBeInstanceOf(CardError);
    expect(err.problems).toHaveLength(2);
  });

  // core words the problems; these only check that each names the card field at fault
  it.each([
    ['wrong-bins.onnx', /card\.input\.bins/],
    ['wrong-dims.onnx', /card\.outputs\.dims/],
    ['wrong-input-name.onnx', /card\.input\.name/],
  ])('fails on a graph that does not match its card (%s)', async (graph, problem) => {
    const dir = modelDir(graph.replace('.onnx', ''), graph, okCard);
    const err = await loadError(dir);
    expect(err.source).toBe(join(dir, 'model.onnx'));
    expect(err.message).toContain(`does not match ${join(dir, 'card.json')}`);
    expect(err.message).toMatch(problem);
    expect(err.code).toBe('MODEL_CONTRACT_MISMATCH');
    expect(err.cause).toBeInstanceOf(ModelContractError);
    expect(err.problems.join('\n')).toMatch(problem);
  });

  it('fails on a model.onnx that is not an ONNX graph', async () => {
    const dir = modelDir('not-onnx', null, okCard);
    writeFileSync(join(dir, 'model.onnx'), 'not a protobuf');
    const err = await loadError(dir);
    expect(err.message).toMatch(new RegExp(`^${join(dir, 'model.onnx').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot load the ONNX model: `));
    expect(err.code).toBe('MODEL_GRAPH_INVALID');
  });
});

describe('readCard', () => {
  it('parses the fixture card', async () => {
    const card = await readCard(join(fixtures, 'tiny-ok.card.json'));
    expect(card.outputs.dims?.names).toHaveLength(6);
  });
});

describe('listModels', () => {
  it('lists every model directory in modelsDir with its card or its problem', async () => {
    const dir = mkdtempSync(join(root, 'list-'));
    mkdirSync(join(dir, 'good'));
    copyFileSync(join(fixtures, 'tiny-ok.onnx'), join(dir, 'good', 'model.onnx'));
    writeFileSync(join(dir, 'good', 'card.json'), JSON.stringify(okCard));
    mkdirSync(join(dir, 'broken'));
    writeFileSync(join(dir, 'broken', 'card.json'), '[]');
    copyFileSync(join(fixtures, 'tiny-ok.onnx'), join(dir, 'broken', 'model.onnx'));
    mkdirSync(join(dir, 'not-a-model')); // no card: not listed

    const listings = await listModels({ modelsDir: dir });
    expect(listings.map((l) => l.name)).toEqual(['broken', 'good']);
    expect(listings[1].card?.name).toBe('test-tiny');
    expect(listings[0].error).toMatch(/card\.json: invalid model card: card must be an object/);
  });

  it('says a shipped model is not installed, and which are', async () => {
    const absent = shippedModels.find((name) => !existsSync(join(modelsDir, name, 'model.onnx')));
    if (absent === undefined) return; // every shipped model is installed: nothing to check
    const err = await loadError(absent);
    expect(err.message).toMatch(new RegExp(`model "${absent}" is not installed \\(installed: `));
  });

  it('lists the shipped models, installed or not', async () => {
    const names = (await listModels()).map((l) => l.name);
    expect(names).toEqual(expect.arrayContaining(['tiny', 'small']));
  });
});
