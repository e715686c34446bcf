/**
 * Where the monitor's own files live: the worker, the worklet, onnxruntime-web's runtime (.mjs glue +
 * .wasm) and the speech detector's graph (Silero VAD, copied at build from the npm package that ships it). By default they sit beside this module in dist/, written as `new URL('./x', import.meta.url)`
 * literals so that bundlers (Vite, webpack 5, Parcel) see them and emit them with the app; an app that
 * copies them elsewhere on its own origin passes `assetsBaseUrl`. Never a CDN: audio and models stay
 * on the device and the app's origin.
 */
export interface AssetUrls {
  worker: string;
  worklet: string;
  ortMjs: string;
  ortWasm: string;
  speechDetector: string;
}

export const ASSET_FILES = {
  worker: 'inference-worker.js',
  worklet: 'tap-worklet.js',
  ortMjs: 'ort/ort-wasm-simd-threaded.mjs',
  ortWasm: 'ort/ort-wasm-simd-threaded.wasm',
  speechDetector: 'vad/silero_vad_16k_op15.onnx',
} as const;

export function resolveAssets(assetsBaseUrl?: string | URL): AssetUrls {
  if (assetsBaseUrl !== undefined) {
    const base = directoryUrl(assetsBaseUrl);
    return {
      worker: new URL(ASSET_FILES.worker, base).href,
      worklet: new URL(ASSET_FILES.worklet, base).href,
      ortMjs: new URL(ASSET_FILES.ortMjs, base).href,
      ortWasm: new URL(ASSET_FILES.ortWasm, base).href,
      speechDetector: new URL(ASSET_FILES.speechDetector, base).href,
    };
  }
  // Literal paths on purpose: bundlers only rewrite `new URL('<literal>', import.meta.url)`.
  return {
    worker: new URL('./inference-worker.js', import.meta.url).href,
    worklet: new URL('./tap-worklet.js', import.meta.url).href,
    ortMjs: new URL('./ort/ort-wasm-simd-threaded.mjs', import.meta.url).href,
    ortWasm: new URL('./ort/ort-wasm-simd-threaded.wasm', import.meta.url).href,
    speechDetector: new URL('./vad/silero_vad_16k_op15.onnx', import.meta.url).href,
  };
}

/** An absolute URL ending in '/', relative ones taken against the page. */
export function directoryUrl(url: string | URL): URL {
  const base = typeof location !== 'undefined' ? location.href : undefined;
  const u = new URL(String(url), base);
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return u;
}
