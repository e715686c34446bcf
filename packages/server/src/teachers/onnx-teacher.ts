/** Opening an external teacher's ONNX file and checking it has the inputs and outputs its adapter feeds. */
import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { createOrtSession, type OrtBackendOptions } from '@callmos/node';

export class TeacherLoadError extends Error {
  override readonly name = 'TeacherLoadError';
  constructor(
    readonly path: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${problem}`, options);
  }
}

export async function openTeacher(
  path: string,
  what: string,
  inputs: string[],
  outputs: string[],
  backend: OrtBackendOptions,
): Promise<ort.InferenceSession> {
  if (!existsSync(path)) throw new TeacherLoadError(path, `no such file (the ${what} model is not shipped: pass the path of your copy)`);
  let session: ort.InferenceSession;
  try {
    session = (await createOrtSession(path, backend)).session as ort.InferenceSession;
  } catch (err) {
    throw new TeacherLoadError(path, `cannot load ${what}: ${(err as Error).message}`, { cause: err });
  }
  const missing = [
    ...inputs.filter((n) => !session.inputNames.includes(n)).map((n) => `input "${n}"`),
    ...outputs.filter((n) => !session.outputNames.includes(n)).map((n) => `output "${n}"`),
  ];
  if (missing.length > 0) {
    await session.release();
    throw new TeacherLoadError(path, `not ${what}: missing ${missing.join(', ')} (has inputs ${session.inputNames.join(', ')}; outputs ${session.outputNames.join(', ')})`);
  }
  return session;
}
