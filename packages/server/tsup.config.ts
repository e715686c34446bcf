import { defineConfig } from 'tsup';

export default defineConfig({
  // `@callmos/server` and its documented subpath `@callmos/server/teachers` (package.json exports)
  entry: { index: 'src/index.ts', teachers: 'src/teachers.ts' },
  splitting: true,
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // native addons and the worker binary: never bundle them
  external: ['mediasoup', 'onnxruntime-node', 'opus-decoder'],
});
