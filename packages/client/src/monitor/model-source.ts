/**
 * The `model` option: a URL of a model directory holding model.onnx and card.json (the layout of
 * models/<name>/ in the repo and of @callmos/models), or the two file URLs given separately.
 */
import { directoryUrl } from './assets.js';

export type ModelSource = string | URL | { onnx: string | URL; card: string | URL };

export interface ModelUrls {
  onnxUrl: string;
  cardUrl: string;
}

export function resolveModelUrls(model: ModelSource): ModelUrls {
  if (typeof model === 'object' && !(model instanceof URL)) {
    const base = typeof location !== 'undefined' ? location.href : undefined;
    return { onnxUrl: new URL(String(model.onnx), base).href, cardUrl: new URL(String(model.card), base).href };
  }
  if (typeof model !== 'string' && !(model instanceof URL)) {
    throw new TypeError('model must be the URL of a model directory (model.onnx + card.json) or { onnx, card } URLs');
  }
  const dir = directoryUrl(model);
  return { onnxUrl: new URL('model.onnx', dir).href, cardUrl: new URL('card.json', dir).href };
}
