/** Errors of the model layer. Each lists every problem it found, so one fix-and-retry cycle is enough. */

abstract class ProblemListError extends Error {
  constructor(
    readonly problems: readonly string[],
    heading: string,
  ) {
    super(problems.length === 1 ? `${heading}: ${problems[0]}` : `${heading}:\n  - ${problems.join('\n  - ')}`);
  }
}

/** card.json is malformed; each problem names its JSON path, e.g. `card.input.windowFrames`. */
export class CardError extends ProblemListError {
  override readonly name = 'CardError';
  constructor(problems: readonly string[]) {
    super(problems, 'invalid model card');
  }
}

/** The ONNX graph does not match its card (names, ranks, static dims). */
export class ModelContractError extends ProblemListError {
  override readonly name = 'ModelContractError';
  constructor(
    readonly model: string,
    problems: readonly string[],
  ) {
    super(problems, `model ${model} does not match its card`);
  }
}

/** Inference failed or returned unusable numbers (NaN, wrong output size). */
export class ModelRunError extends Error {
  override readonly name = 'ModelRunError';
  constructor(
    readonly model: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`model ${model}: ${message}`, options);
  }
}

/** A graph given as the speech detector is not a Silero VAD (v5 or later) graph. */
export class SpeechModelError extends ProblemListError {
  override readonly name = 'SpeechModelError';
  constructor(
    readonly model: string,
    problems: readonly string[],
  ) {
    super(problems, `speech detector ${model} is not a usable Silero VAD graph`);
  }
}
