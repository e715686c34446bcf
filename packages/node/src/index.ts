import { applyDebugEnv } from './debug-env.js';

export * from './audio-file.js';
export * from './backend.js';
export { InferenceThread, InferenceThreadError } from './inference-thread.js';
export * from './models.js';
export { openOnnxFile, type OpenOnnxFileOptions } from './model-file.js';
export * from './speech-detector.js';

applyDebugEnv();
