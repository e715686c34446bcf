/**
 * The one model loader every host goes through: node (files, onnxruntime-node), the browser worker
 * (fetched URLs, onnxruntime-web) and the server's external teachers. The host reads the bytes and
 * supplies its onnxruntime as a session factory, as onnxruntime's own js/common keeps backends out of
 * its interface; everything after that (parsing the card, opening the graph, checking one against the
 * other, releasing the session on failure) happens here, so every host fails the same way: a
 * ModelLoadError naming the file or URL at fault, with the same code and wording.
 */
import { Tensor, type InferenceSession } from 'onnxruntime-common';
import { Logger } from '../logger.js';
import { parseModelCard, type ModelCard } from './card.js';
import { pairAgreementProblems } from './streaming-check.js';
import { CardError, ModelContractError, ModelLoadError } from './errors.js';
import { MosModel, type MosModelOptions, type StreamingSessions, type TensorConstructor } from './mos-model.js';

const logger = new Logger('core:model-loader');

/** A file the host has read: where it came from (a path or URL, named by every error) and its contents. */
export interface ModelFile<T = Uint8Array> {
  source: string;
  data: T;
}

/** What core needs from any session: its graph's names and a way to free it. */
export type SessionLike = Pick<InferenceSession, 'inputNames' | 'outputNames' | 'release'>;

/**
 * Opens a graph from its bytes: the host's `InferenceSession.create`, or a wrapper around it (the node
 * host's picks CUDA or CPU). `options` are the loader's `sessionOptions`, passed through untouched.
 */
export type SessionFactory<S extends SessionLike = InferenceSession> = (
  model: Uint8Array,
  options?: InferenceSession.SessionOptions,
) => Promise<S>;

export interface OpenModelSessionOptions<S extends SessionLike> {
  model: ModelFile;
  createSession: SessionFactory<S>;
  sessionOptions?: InferenceSession.SessionOptions;
  /** what the graph is, for messages (e.g. "DNSMOS P.835"); default "the ONNX model" */
  what?: string;
  /** graph inputs and outputs the host feeds and reads; a graph lacking one is refused (MODEL_CONTRACT_MISMATCH) */
  inputs?: readonly string[];
  outputs?: readonly string[];
}

export interface LoadMosModelOptions<S extends InferenceSession = InferenceSession> extends MosModelOptions {
  /** card.json: its bytes, its text or the parsed JSON */
  card: ModelFile<Uint8Array | string | object>;
  /** model.onnx */
  model: ModelFile;
  createSession: SessionFactory<S>;
  sessionOptions?: InferenceSession.SessionOptions;
  /** the host's Tensor class (see MosModel.load); default onnxruntime-common's */
  Tensor?: TensorConstructor;
  /**
   * the card's streaming pair (card.streaming.front.file and .back.file, beside card.json): windows are then
   * scored with the front end once per hop (streaming-plan.ts). Ignored when the card has no streaming block;
   * a pair that does not open or does not reproduce the window model on a probe window is left out, with a
   * warning (the window model gives the same scores).
   */
  streaming?: { front: ModelFile; back: ModelFile };
}

/**
 * Parses card.json as a host read it. Throws ModelLoadError (MODEL_CARD_INVALID, source = the card)
 * for text that is not JSON or a card that breaks the schema (the CardError is its cause).
 */
export function parseCardFile(card: ModelFile<Uint8Array | string | object>): ModelCard {
  let json: unknown = card.data;
  if (typeof json === 'string' || json instanceof Uint8Array) {
    const text = typeof json === 'string' ? json : new TextDecoder().decode(json);
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new ModelLoadError('MODEL_CARD_INVALID', card.source, `not valid JSON: ${messageOf(err)}`, { cause: err });
    }
  }
  try {
    return parseModelCard(json);
  } catch (err) {
    if (err instanceof CardError) throw new ModelLoadError('MODEL_CARD_INVALID', card.source, err.message, { cause: err });
    throw err;
  }
}

/**
 * The file names of the card's streaming pair, for a host to read beside card.json (or at URLs of its own);
 * undefined when the card names none, or does not parse (loadMosModel then reports its problems).
 */
export function streamingPairNames(card: ModelFile<Uint8Array | string | object>): { front: string; back: string } | undefined {
  let block: ModelCard['streaming'];
  try {
    block = parseCardFile(card).streaming;
  } catch {
    return undefined;
  }
  return block && { front: block.front.file, back: block.back.file };
}

/**
 * Opens a graph through the host's session factory and checks it has the inputs and outputs the host
 * needs. Throws ModelLoadError: MODEL_GRAPH_INVALID when the runtime cannot load the bytes,
 * MODEL_CONTRACT_MISMATCH (session released) when a name is missing.
 */
export async function openModelSession<S extends SessionLike>(options: OpenModelSessionOptions<S>): Promise<S> {
  const { model, what = 'the ONNX model' } = options;
  let session: S;
  try {
    session = await options.createSession(model.data, options.sessionOptions);
  } catch (err) {
    throw new ModelLoadError('MODEL_GRAPH_INVALID', model.source, `cannot load ${what}: ${messageOf(err)}`, { cause: err });
  }
  const missing = [
    ...(options.inputs ?? []).filter((n) => !session.inputNames.includes(n)).map((n) => `input "${n}"`),
    ...(options.outputs ?? []).filter((n) => !session.outputNames.includes(n)).map((n) => `output "${n}"`),
  ];
  if (missing.length > 0) {
    await releaseAfterFailure(session, model.source);
    const has = `has inputs ${session.inputNames.join(', ')}; outputs ${session.outputNames.join(', ')}`;
    throw new ModelLoadError('MODEL_CONTRACT_MISMATCH', model.source, `not ${what}: missing ${missing.join(', ')} (${has})`, {
      problems: missing.map((m) => `missing ${m}`),
    });
  }
  return session;
}

/**
 * Loads a MOS model: parses the card, opens the graph and validates it against the card (names, ranks,
 * static dims), releasing the session when anything fails. Throws ModelLoadError with code
 * MODEL_CARD_INVALID (source = the card), MODEL_GRAPH_INVALID or MODEL_CONTRACT_MISMATCH (source = the
 * model; problems lists every mismatch, the ModelContractError is its cause).
 */
export async function loadMosModel<S extends InferenceSession>(options: LoadMosModelOptions<S>): Promise<MosModel> {
  const card = parseCardFile(options.card);
  const session = await openModelSession({ model: options.model, createSession: options.createSession, sessionOptions: options.sessionOptions });
  try {
    const TensorCtor = options.Tensor ?? Tensor;
    const pair = options.streaming && card.streaming ? await openStreamingPair(card, session, options.streaming, options, TensorCtor) : undefined;
    const model = await MosModel.load(card, session, TensorCtor, { maxBatch: options.maxBatch, maxStreams: options.maxStreams }, pair);
    logger.debug(`loaded ${model.id} from ${options.model.source} (inputs ${session.inputNames.join(', ')}${pair ? '; streamed' : ''})`);
    return model;
  } catch (err) {
    await releaseAfterFailure(session, options.model.source);
    if (err instanceof ModelContractError) {
      const problem = `does not match ${options.card.source}: ${err.problems.join('; ')}`;
      throw new ModelLoadError('MODEL_CONTRACT_MISMATCH', options.model.source, problem, { cause: err });
    }
    throw err;
  }
}

/**
 * The card's streaming pair, opened and checked against the window model (streaming-check.ts); undefined,
 * with a warning naming the file at fault, when it cannot stand in for it: the pair only saves work, so the
 * window model, which gives the same scores, carries on alone.
 */
async function openStreamingPair<S extends InferenceSession>(
  card: ModelCard,
  window: S,
  files: { front: ModelFile; back: ModelFile },
  options: LoadMosModelOptions<S>,
  TensorCtor: TensorConstructor,
): Promise<StreamingSessions | undefined> {
  const block = card.streaming!;
  const open = (model: ModelFile, what: string, inputs: string[], outputs: string[]) =>
    openModelSession({ model, createSession: options.createSession, sessionOptions: options.sessionOptions, what, inputs, outputs });
  const outputs = [card.outputs.mos.name, ...(card.outputs.dims ? [card.outputs.dims.name] : [])];
  let front: S | undefined;
  try {
    front = await open(files.front, `${card.name}'s streaming front end`, [block.front.input], [block.front.output]);
    const back = await open(files.back, `${card.name}'s streaming back end`, [block.back.input], outputs);
    const problems = await pairAgreementProblems(card, window, { front, back }, TensorCtor);
    if (problems.length === 0) return { front, back };
    await Promise.all([releaseAfterFailure(front, files.front.source), releaseAfterFailure(back, files.back.source)]);
    logger.warn(`${files.front.source}, ${files.back.source}: ${problems.join('; ')}; windows are scored whole`);
  } catch (err) {
    if (front) await releaseAfterFailure(front, files.front.source);
    logger.warn(`${messageOf(err)}; windows are scored whole`);
  }
  return undefined;
}

/** Frees the session of a graph that failed to load; a failure to free it is logged, not thrown. */
export async function releaseAfterFailure(session: SessionLike, source: string): Promise<void> {
  try {
    await session.release();
  } catch (err) {
    logger.warn(`${source}: releasing the session of a model that failed to load failed too: ${messageOf(err)}`);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
