import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // import.meta.url (speech-detector.ts finds the Silero graph through it) is empty in CJS without the shim
  shims: true,
  // onnxruntime-node loads a native addon: never bundle it.
  external: ['onnxruntime-node'],
});
