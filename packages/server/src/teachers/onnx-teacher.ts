/**
 * Opening an external teacher's ONNX file through the node host (and so core's loader): a missing file,
 * a graph onnxruntime cannot load, or one without the inputs and outputs its adapter feeds fails with
 * the same ModelLoadError (and codes) as the callmos model itself.
 */
import { existsSync } from 'node:fs';
import type * as ort from 'onnxruntime-node';
import { ModelLoadError } from '@callmos/core';
import { openOnnxFile, type OrtBackendOptions } from '@callmos/node';

export async function openTeacher(
  path: string,
  what: string,
  inputs: string[],
  outputs: string[],
  backend: OrtBackendOptions,
): Promise<ort.InferenceSession> {
  if (!existsSync(path)) throw new ModelLoadError('MODEL_NOT_FOUND', path, `no such file (the ${what} model is not shipped: pass the path of your copy)`);
  return (await openOnnxFile(path, { ...backend, what, inputs, outputs })).session;
}
