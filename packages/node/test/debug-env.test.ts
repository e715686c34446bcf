/**
 * The node host's debug switch: DEBUG names the namespaces whose debug lines core's logger prints (the
 * built CLI and the library both read it), and without it debug lines stay off.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { Logger, setDebugNamespaces } from '@callmos/core';
import { applyDebugEnv } from '../src/debug-env.js';
import { wavBytes } from './helpers/wav-bytes.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const fixtureModel = fileURLToPath(new URL('../../core/test/fixtures/models/tiny-ok.onnx', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'callmos-debug-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('DEBUG', () => {
  const saved = process.env.DEBUG;
  afterEach(() => {
    process.env.DEBUG = saved;
    setDebugNamespaces(undefined);
    vi.restoreAllMocks();
  });

  it('applyDebugEnv enables the namespaces DEBUG names, printed to stderr', () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const stdout = vi.spyOn(console, 'debug');
    process.env.DEBUG = 'callmos:node:*';
    applyDebugEnv();
    new Logger('node:models').debug('shown');
    new Logger('server:audio-stream').debug('not shown');
    expect(stderr.mock.calls).toEqual([['callmos:node:models shown\n']]);
    expect(stdout).not.toHaveBeenCalled();
  });

  it.skipIf(!existsSync(cli))('the CLI prints the loader debug line with DEBUG=callmos:*, and none without', () => {
    // a card beside the fixture graph, and 1 s of a 440 Hz tone
    const dir = join(work, 'model');
    mkdirSync(dir);
    copyFileSync(fixtureModel, join(dir, 'model.onnx'));
    copyFileSync(fixtureModel.replace('tiny-ok.onnx', 'tiny-ok.card.json'), join(dir, 'card.json'));
    const wav = join(work, 'tone.wav');
    writeFileSync(wav, wavBytes({ format: 3, bits: 32, sampleRate: 16000, frames: Array.from({ length: 16000 }, (_, i) => [0.3 * Math.sin((2 * Math.PI * 440 * i) / 16000)]) }));
    const run = (env: NodeJS.ProcessEnv) => spawnSync(process.execPath, [cli, 'score', wav, '-m', dir, '--provider', 'cpu'], { encoding: 'utf8', env, timeout: 60_000 });
    const withDebug = run({ ...process.env, DEBUG: 'callmos:*' });
    expect(withDebug.status).toBe(0);
    expect(withDebug.stderr).toMatch(/callmos:core:model-loader loaded test-tiny@0\.0\.1 from .*model\.onnx/);
    expect(withDebug.stdout).not.toContain('callmos:'); // stdout carries the CSV only
    const { DEBUG: _drop, ...without } = process.env;
    expect(run(without).stderr).not.toContain('callmos:core:model-loader');
  }, 60_000);
});
