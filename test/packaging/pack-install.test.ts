/**
 * The packages as a user gets them: packed, installed from the tarballs into an isolated (linked) consumer,
 * imported from ESM and CJS, type-checked from a user's .mts and .cts file, and the `callmos` bin run.
 * Needs the npm registry or npm's cache for the dependencies (CI has the registry); `npm test` builds first.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeConsumer, PUBLISHED, repoRoot, type Consumer } from './consumer.js';

const built = PUBLISHED.filter((d) => d !== 'models').every((d) => existsSync(path.join(repoRoot, d, 'dist')));

describe.skipIf(!built)('packed packages in an isolated consumer', () => {
  let consumer: Consumer;
  beforeAll(() => {
    consumer = makeConsumer();
  }, 600_000);

  it('each tarball carries its manifest, LICENSE, README, CHANGELOG and no sources or tests', () => {
    for (const p of consumer.packed) {
      for (const f of ['package.json', 'LICENSE', 'README.md', 'CHANGELOG.md']) expect(p.files, `${p.name}: ${f}`).toContain(f);
      expect(p.files.filter((f) => /^(src|test|training)\//.test(f)), p.name).toEqual([]);
    }
    const files = (name: string) => consumer.packed.find((p) => p.name === name)!.files;
    for (const name of ['@callmos/core', '@callmos/node', '@callmos/server']) {
      expect(files(name)).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts']));
    }
    expect(files('@callmos/node')).toContain('bin/callmos.js');
    expect(files('@callmos/client')).toEqual(
      expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/inference-worker.js', 'dist/tap-worklet.js', 'dist/ort/ort-wasm-simd-threaded.wasm']),
    );
    expect(files('@callmos/models')).toEqual(
      expect.arrayContaining(['index.d.ts', 'index.d.cts', 'tiny/model.onnx', 'tiny/card.json', 'small/model.onnx', 'small/card.json', 'base/model.onnx', 'base/front.onnx', 'base/back.onnx', 'base/card.json']),
    );
    // what the note lists: tarball sizes
    console.log(consumer.packed.map((p) => `${p.name}: ${(p.size / 1e6).toFixed(2)} MB packed, ${(p.unpackedSize / 1e6).toFixed(2)} MB unpacked, ${p.files.length} files`).join('\n'));
  });

  it('imports every package from ESM and scores a fixture with the shipped tiny model', () => {
    const out = JSON.parse(consumer.run('node', ['esm-smoke.mjs']).trim().split('\n').pop()!);
    expect(out.functions.every((t: string) => t === 'function')).toBe(true);
    expect(out.models.shippedModels).toEqual(['tiny', 'lite', 'small', 'base']);
    expect(out.onnxUrl.endsWith(path.join('tiny', 'model.onnx'))).toBe(true);
    expect(out.mos).toBeGreaterThan(1);
    expect(out.mos).toBeLessThan(5);
  });

  it('requires the Node packages from CommonJS', () => {
    const out = JSON.parse(consumer.run('node', ['cjs-smoke.cjs']).trim());
    expect(out.functions.every((t: string) => t === 'function')).toBe(true);
    expect(out.defaultModel).toBe('small');
    expect(out.shippedModels, 'index.cjs lists what index.js does').toEqual(['tiny', 'lite', 'small', 'base']);
  });

  it("type-checks a user's ESM and CJS files against the published types", () => {
    consumer.run('npx', ['tsc', '-p', 'tsconfig.json']);
  });

  it('runs the callmos bin from the installed @callmos/node', () => {
    const out = consumer.run('npx', ['callmos', 'score', 'node_modules/@callmos/models/fixtures/clean-tts.wav', '--model', 'tiny', '--format', 'json']);
    const [row] = JSON.parse(out);
    expect(row.mos).toBeGreaterThan(1);
  });
});
