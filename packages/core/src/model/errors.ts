/** Errors of the model layer. Each lists every problem it found, so one fix-and-retry cycle is enough. */
import { CallmosError, type CallmosErrorCode, type CallmosErrorOptions } from '../errors.js';

abstract class ProblemListError<C extends CallmosErrorCode> extends CallmosError<C> {
  constructor(
    code: C,
    readonly problems: readonly string[],
    heading: string,
  ) {
    super(code, problems.length === 1 ? `${heading}: ${problems[0]}` : `${heading}:\n  - ${problems.join('\n  - ')}`);
  }
}

/** card.json is malformed; each problem names its JSON path, e.g. `card.input.windowFrames`. */
export class CardError extends ProblemListError<'MODEL_CARD_INVALID'> {
  override readonly name = 'CardError';
  constructor(problems: readonly string[]) {
    super('MODEL_CARD_INVALID', problems, 'invalid model card');
  }
}

/** The ONNX graph does not match its card (names, ranks, static dims). */
export class ModelContractError extends ProblemListError<'MODEL_CONTRACT_MISMATCH'> {
  override readonly name = 'ModelContractError';
  constructor(
    readonly model: string,
    problems: readonly string[],
  ) {
    super('MODEL_CONTRACT_MISMATCH', problems, `model ${model} does not match its card`);
  }
}

/** Inference failed or returned unusable numbers (NaN, wrong output size). */
export class ModelRunError extends CallmosError<'MODEL_RUN_FAILED'> {
  override readonly name = 'ModelRunError';
  constructor(
    readonly model: string,
    message: string,
    options?: CallmosErrorOptions,
  ) {
    super('MODEL_RUN_FAILED', `model ${model}: ${message}`, options);
  }
}

export type ModelLoadErrorCode = Extract<
  CallmosErrorCode,
  'MODEL_NOT_FOUND' | 'MODEL_UNREADABLE' | 'MODEL_CARD_INVALID' | 'MODEL_GRAPH_INVALID' | 'MODEL_CONTRACT_MISMATCH'
>;

export interface ModelLoadErrorOptions extends CallmosErrorOptions {
  /** every problem found; default: the cause's (a CardError's or ModelContractError's), else [problem] */
  problems?: readonly string[];
}

/**
 * A model (or an external teacher's graph) could not be loaded, from any host: node reading files, the
 * browser fetching URLs, the server opening teachers. `source` is the file or URL at fault, `code` says
 * what is wrong with it, and `cause` holds the underlying error (the runtime's, the filesystem's, a
 * CardError or a ModelContractError).
 */
export class ModelLoadError extends CallmosError<ModelLoadErrorCode> {
  override readonly name: string = 'ModelLoadError';
  readonly problems: readonly string[];

  constructor(
    code: ModelLoadErrorCode,
    /** the path or URL at fault */
    readonly source: string,
    /** what is wrong, without the source (e.g. "missing", "not valid JSON: ...") */
    readonly problem: string,
    options: ModelLoadErrorOptions = {},
  ) {
    super(code, `${source}: ${problem}`, options);
    const fromCause = options.cause instanceof CardError || options.cause instanceof ModelContractError ? options.cause.problems : undefined;
    this.problems = [...(options.problems ?? fromCause ?? [problem])];
  }
}

/** A graph given as the speech detector is not a Silero VAD (v5 or later) graph. */
export class SpeechModelError extends ProblemListError<'MODEL_CONTRACT_MISMATCH'> {
  override readonly name = 'SpeechModelError';
  constructor(
    readonly model: string,
    problems: readonly string[],
  ) {
    super('MODEL_CONTRACT_MISMATCH', problems, `speech detector ${model} is not a usable Silero VAD graph`);
  }
}
