/**
 * Model files on disk, for core's loader: this host reads the bytes (and says which file is missing),
 * core does the rest. openOnnxFile opens any ONNX graph that way on the best execution provider, e.g.
 * the server's external teachers, which have no card but inputs and outputs their adapter feeds.
 */
import { readFile } from 'node:fs/promises';
import { ModelLoadError, openModelSession, type ModelFile } from '@callmos/core';
import { createOrtSession, type OrtBackendOptions, type OrtSessionHandle } from './backend.js';

export interface OpenOnnxFileOptions extends OrtBackendOptions {
  /** what the graph is, for messages (e.g. "DNSMOS P.835") */
  what?: string;
  /** inputs and outputs the graph must have; one missing fails with MODEL_CONTRACT_MISMATCH */
  inputs?: readonly string[];
  outputs?: readonly string[];
}

/** A file's bytes for core's loader. ModelLoadError MODEL_NOT_FOUND ("missing") or MODEL_UNREADABLE. */
export async function readModelFile(path: string): Promise<ModelFile> {
  try {
    return { source: path, data: await readFile(path) };
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    if (code === 'ENOENT') throw new ModelLoadError('MODEL_NOT_FOUND', path, 'missing', { cause: err });
    throw new ModelLoadError('MODEL_UNREADABLE', path, code === 'EISDIR' ? 'is a directory' : message, { cause: err });
  }
}

/** Opens an .onnx file through core's loader on the provider `options.provider` asks for (see createOrtSession). */
export async function openOnnxFile(path: string, options: OpenOnnxFileOptions = {}): Promise<OrtSessionHandle> {
  const model = await readModelFile(path);
  let handle: OrtSessionHandle | undefined;
  await openModelSession({
    model,
    what: options.what,
    inputs: options.inputs,
    outputs: options.outputs,
    createSession: async (bytes) => (handle = await createOrtSession(bytes, options)).session,
  });
  return handle!;
}
