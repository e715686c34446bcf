import { defineConfig } from 'tsup';

export default defineConfig({
  // `@callmos/core` and its documented subpaths (package.json exports): `/dsp` and `/pipeline`.
  entry: { index: 'src/index.ts', dsp: 'src/dsp/index.ts', pipeline: 'src/pipeline.ts' },
  format: ['esm', 'cjs'],
  // Shared chunks in both formats, so each class (and the logger's listeners) exists once however the
  // entries are mixed; esbuild splits ESM by default and CJS only when asked.
  splitting: true,
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
