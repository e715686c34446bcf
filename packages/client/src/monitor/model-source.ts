/**
 * The `model` option: a URL of a model directory holding model.onnx and card.json (the layout of
 * models/<name>/ in the repo and of @callmos/models; the card's streaming pair, when it names one, is
 * fetched beside it), or the file URLs given separately (a bundler's hashed asset URLs: then the streaming
 * pair is used only when `front` and `back` are given too).
 */
import { directoryUrl } from './assets.js';

export type ModelSource =
  | string
  | URL
  | {
      onnx: string | URL;
      card: string | URL;
      /** the card's streaming pair (front end once per hop: the same scores for less inference) */
      front?: string | URL;
      back?: string | URL;
    };

export interface ModelUrls {
  onnxUrl: string;
  cardUrl: string;
  /** where the streaming pair is: beside the card (named by it), at these URLs, or not used */
  streaming: 'beside-card' | { frontUrl: string; backUrl: string } | 'none';
}

export function resolveModelUrls(model: ModelSource): ModelUrls {
  if (typeof model === 'object' && !(model instanceof URL)) {
    const base = typeof location !== 'undefined' ? location.href : undefined;
    const url = (u: string | URL) => new URL(String(u), base).href;
    if ((model.front === undefined) !== (model.back === undefined)) throw new TypeError('model: give both front and back (the streaming pair), or neither');
    const streaming = model.front !== undefined && model.back !== undefined ? { frontUrl: url(model.front), backUrl: url(model.back) } : 'none';
    return { onnxUrl: url(model.onnx), cardUrl: url(model.card), streaming };
  }
  if (typeof model !== 'string' && !(model instanceof URL)) {
    throw new TypeError('model must be the URL of a model directory (model.onnx + card.json) or { onnx, card } URLs');
  }
  const dir = directoryUrl(model);
  return { onnxUrl: new URL('model.onnx', dir).href, cardUrl: new URL('card.json', dir).href, streaming: 'beside-card' };
}
