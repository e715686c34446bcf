/**
 * Shipped-model resolution and loading: a model name or path -> model.onnx + card.json -> a validated
 * MosModel on an onnxruntime-node session. This host only finds and reads the files; core's loader
 * parses the card, opens the graph and checks one against the other. Every error is a ModelLoadError
 * naming the file and the problem.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadMosModel, Logger, ModelLoadError, parseCardFile, streamingPairNames, type ModelCard, type ModelFile, type MosModel, type MosModelOptions } from '@callmos/core';
import { defaultModel, modelsDir as shippedModelsDir, shippedModels } from '@callmos/models';
import * as ort from 'onnxruntime-node';
import { createOrtSession, type ExecutionProviderName, type OrtBackendOptions, type OrtSessionHandle } from './backend.js';
import { readModelFile } from './model-file.js';

const logger = new Logger('node:models');

export const MODEL_FILE = 'model.onnx';
export const CARD_FILE = 'card.json';

export interface LoadModelOptions extends OrtBackendOptions, MosModelOptions {
  /** where names resolve; default: the @callmos/models package */
  modelsDir?: string;
  /**
   * score with the card's streaming pair (front end once per hop, the window model's scores) when the card
   * has one and its files are beside card.json; default true. false: the window model alone
   */
  streaming?: boolean;
}

/** A model's two files, before anything is read. */
export interface ModelFiles {
  /** the shipped name it was asked by, or undefined when given as a path */
  name?: string;
  onnxPath: string;
  cardPath: string;
}

/** `loadModel` plus how it was loaded: which files, and which execution provider runs it. */
export interface LoadedModel {
  model: MosModel;
  files: ModelFiles;
  provider: ExecutionProviderName;
  /** why it runs on CPU although CUDA was considered (see createOrtSession) */
  fallbackReason?: string;
}

/** One entry of `listModels`: the card when it reads and parses, else the problem. */
export interface ModelListing {
  name: string;
  dir: string;
  card?: ModelCard;
  error?: string;
}

export { defaultModel, ModelLoadError };

/** Load a shipped model by name (`tiny`, `small`, ...) or a model directory / .onnx path. */
export async function loadModel(nameOrPath: string = defaultModel, options: LoadModelOptions = {}): Promise<MosModel> {
  return (await loadModelWithDetails(nameOrPath, options)).model;
}

export async function loadModelWithDetails(nameOrPath: string = defaultModel, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const files = resolveModelFiles(nameOrPath, options.modelsDir);
  const [card, model] = await Promise.all([readModelFile(files.cardPath), readModelFile(files.onnxPath)]);
  let handle: OrtSessionHandle | undefined;
  const loaded = await loadMosModel({
    card,
    model,
    createSession: async (bytes) => {
      const opened = await createOrtSession(bytes, options);
      handle ??= opened; // the window model's: the pair runs where it does
      return opened.session;
    },
    Tensor: ort.Tensor,
    maxBatch: options.maxBatch,
    maxStreams: options.maxStreams,
    streaming: options.streaming === false ? undefined : await streamingFiles(card, files),
  });
  const { provider, fallbackReason } = handle!;
  return { model: loaded, files, provider, ...(fallbackReason ? { fallbackReason } : {}) };
}

/** The card's streaming pair when both files are beside it (a model without them scores windows whole). */
async function streamingFiles(cardFile: ModelFile<Uint8Array>, files: ModelFiles): Promise<{ front: ModelFile; back: ModelFile } | undefined> {
  const names = streamingPairNames(cardFile);
  if (!names) return undefined;
  const dir = dirname(files.cardPath);
  const [front, back] = [join(dir, names.front), join(dir, names.back)];
  if (!existsSync(front) || !existsSync(back)) {
    logger.debug(`${files.cardPath}: streaming pair ${names.front} / ${names.back} not found: windows are scored whole`);
    return undefined;
  }
  try {
    const [f, b] = await Promise.all([readModelFile(front), readModelFile(back)]);
    return { front: f, back: b };
  } catch (err) {
    // the pair only saves work: the window model gives the same scores (core's loader also leaves out a pair
    // that does not open or does not match model.onnx)
    logger.warn(`${(err as Error).message}: windows are scored whole`);
    return undefined;
  }
}

/**
 * Where a model's files are. A bare word is a shipped name (`<modelsDir>/<name>/`); anything that looks like
 * a path (has a separator, starts with `.`, ends in `.onnx`) is a directory holding both files or the .onnx
 * file with card.json beside it. Throws ModelLoadError when a file is missing.
 */
export function resolveModelFiles(nameOrPath: string, modelsDir: string = shippedModelsDir): ModelFiles {
  if (!looksLikePath(nameOrPath)) {
    const dir = join(modelsDir, nameOrPath);
    if (!isDirectory(dir)) {
      const installed = listModelNames(modelsDir).filter((name) => existsSync(join(modelsDir, name, MODEL_FILE)));
      const hint = `installed: ${installed.length > 0 ? installed.join(', ') : 'none'}`;
      if (shippedModels.includes(nameOrPath)) throw new ModelLoadError('MODEL_NOT_FOUND', dir, `model "${nameOrPath}" is not installed (${hint})`);
      throw new ModelLoadError('MODEL_NOT_FOUND', dir, `no model named "${nameOrPath}" (${hint})`);
    }
    return { name: nameOrPath, ...requireFiles(join(dir, MODEL_FILE), join(dir, CARD_FILE)) };
  }
  const path = resolve(nameOrPath);
  if (isDirectory(path)) return requireFiles(join(path, MODEL_FILE), join(path, CARD_FILE));
  if (path.endsWith('.onnx')) return requireFiles(path, join(dirname(path), CARD_FILE));
  if (!existsSync(path)) throw new ModelLoadError('MODEL_NOT_FOUND', path, 'no such model directory or .onnx file');
  throw new ModelLoadError('MODEL_NOT_FOUND', path, `not a model directory or .onnx file (expected a directory with ${MODEL_FILE} and ${CARD_FILE})`);
}

/** Shipped (and otherwise installed) models with their cards, sorted by name; never throws for one bad model. */
export async function listModels(options: { modelsDir?: string } = {}): Promise<ModelListing[]> {
  const modelsDir = options.modelsDir ?? shippedModelsDir;
  return Promise.all(
    listModelNames(modelsDir).map(async (name): Promise<ModelListing> => {
      const dir = join(modelsDir, name);
      try {
        if (!isDirectory(dir)) throw new ModelLoadError('MODEL_NOT_FOUND', dir, 'not installed');
        if (!existsSync(join(dir, MODEL_FILE))) throw new ModelLoadError('MODEL_NOT_FOUND', join(dir, MODEL_FILE), 'missing');
        return { name, dir, card: await readCard(join(dir, CARD_FILE)) };
      } catch (err) {
        return { name, dir, error: (err as Error).message };
      }
    }),
  );
}

/** Read and parse card.json; ModelLoadError for a missing file, bad JSON or an invalid card. */
export async function readCard(cardPath: string): Promise<ModelCard> {
  return parseCardFile(await readModelFile(cardPath));
}

/** The shipped names (present or not) and any other directory holding a card, sorted. */
function listModelNames(modelsDir: string): string[] {
  const names = new Set<string>(modelsDir === shippedModelsDir ? shippedModels : []);
  for (const entry of readDirNames(modelsDir)) {
    if (existsSync(join(modelsDir, entry, CARD_FILE))) names.add(entry);
  }
  return [...names].sort();
}

function readDirNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    // A missing models directory lists no models; one that cannot be read is worth a word.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn(`cannot list models in ${dir}: ${(err as Error).message}`);
    return [];
  }
}

function looksLikePath(nameOrPath: string): boolean {
  return /[\\/]/.test(nameOrPath) || nameOrPath.startsWith('.') || nameOrPath.endsWith('.onnx');
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function requireFiles(onnxPath: string, cardPath: string): Omit<ModelFiles, 'name'> {
  for (const path of [onnxPath, cardPath]) {
    if (!existsSync(path)) throw new ModelLoadError('MODEL_NOT_FOUND', path, 'missing');
  }
  return { onnxPath, cardPath };
}
