// Where the shipped models live: models/<name>/{model.onnx,card.json}.
import { fileURLToPath } from 'node:url';
export const modelsDir = fileURLToPath(new URL('.', import.meta.url));
export const shippedModels = ['tiny', 'lite', 'small', 'base'];
export const defaultModel = 'small';
