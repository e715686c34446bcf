/** One base for every error callmos throws: a name, a code from a closed union, an optional cause. */
import { describe, expect, it } from 'vitest';
import { CallmosError } from '../src/errors.js';
import { CardError, ModelContractError, ModelLoadError, ModelRunError } from '../src/model/errors.js';

describe('CallmosError', () => {
  it('is the base of the model errors, each with its name and code', () => {
    const errors = [
      [new CardError(['card.name is missing']), 'CardError', 'MODEL_CARD_INVALID'],
      [new ModelContractError('m@1', ['input "x" is not in the graph']), 'ModelContractError', 'MODEL_CONTRACT_MISMATCH'],
      [new ModelRunError('m@1', 'inference failed'), 'ModelRunError', 'MODEL_RUN_FAILED'],
      [new ModelLoadError('MODEL_NOT_FOUND', '/m/card.json', 'missing'), 'ModelLoadError', 'MODEL_NOT_FOUND'],
    ] as const;
    for (const [err, name, code] of errors) {
      expect(err).toBeInstanceOf(CallmosError);
      expect(err).toBeInstanceOf(Error);
      expect(err.name).toBe(name);
      expect(err.code).toBe(code);
      expect(String(err)).toMatch(new RegExp(`^${name}: `));
    }
  });

  it('keeps a cause when given one, and has no cause property otherwise', () => {
    const cause = new Error('ENOENT');
    expect(new ModelLoadError('MODEL_NOT_FOUND', 'p', 'missing', { cause }).cause).toBe(cause);
    expect('cause' in new ModelLoadError('MODEL_NOT_FOUND', 'p', 'missing')).toBe(false);
  });

  it("ModelLoadError: `source: problem`, problems from a CardError or ModelContractError cause, else [problem]", () => {
    const contract = new ModelContractError('m@1', ['a', 'b']);
    const err = new ModelLoadError('MODEL_CONTRACT_MISMATCH', 'dir/model.onnx', 'does not match dir/card.json: a; b', { cause: contract });
    expect(err.message).toBe('dir/model.onnx: does not match dir/card.json: a; b');
    expect(err.problems).toEqual(['a', 'b']);
    expect(new ModelLoadError('MODEL_UNREADABLE', 'u', 'HTTP 500').problems).toEqual(['HTTP 500']);
  });
});
