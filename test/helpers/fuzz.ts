/**
 * The fuzz tests' one knob: fast-check with a fixed seed (printed with each property, so a failure in CI
 * replays locally) and bounded run counts, so the whole fuzz set stays a few seconds of `npm test`.
 *
 *   CALLMOS_FUZZ_SEED=123 npx vitest run fuzz     # another seed
 *   CALLMOS_FUZZ_RUNS=50 npx vitest run fuzz      # 50x the runs (a longer local campaign)
 *
 * fast-check shrinks a failure to a minimal counterexample and prints it with the seed and path to replay.
 */
import fc from 'fast-check';

export { fc };

/** Default seed of every property (the date the fuzz set was written). */
export const FUZZ_SEED = Number(process.env.CALLMOS_FUZZ_SEED ?? 20261201);
const RUNS_SCALE = Number(process.env.CALLMOS_FUZZ_RUNS ?? 1);

function params(name: string, numRuns: number): fc.Parameters<unknown> {
  const runs = Math.max(1, Math.round(numRuns * RUNS_SCALE));
  console.info(`fuzz ${name}: seed ${FUZZ_SEED}, ${runs} runs`);
  return { seed: FUZZ_SEED, numRuns: runs };
}

/** Checks a synchronous property `numRuns` times (scaled by CALLMOS_FUZZ_RUNS). */
export function fuzz<Ts extends [unknown, ...unknown[]]>(name: string, numRuns: number, property: fc.IPropertyWithHooks<Ts>): void {
  fc.assert(property, params(name, numRuns) as fc.Parameters<Ts>);
}

/** Checks an asynchronous property `numRuns` times (scaled by CALLMOS_FUZZ_RUNS). */
export async function fuzzAsync<Ts extends [unknown, ...unknown[]]>(name: string, numRuns: number, property: fc.IAsyncPropertyWithHooks<Ts>): Promise<void> {
  await fc.assert(property, params(name, numRuns) as fc.Parameters<Ts>);
}

/** Bytes of any length up to `max`: half of them short (headers are where parsers go wrong), half of any length. */
export const bytes = (max: number) => fc.oneof(fc.uint8Array({ maxLength: Math.min(max, 40) }), fc.uint8Array({ maxLength: max, size: 'max' }));

/**
 * The same bytes at a non-zero offset of a larger buffer: parsers that build a DataView on
 * `bytes.buffer` must honour byteOffset (Node Buffers from a pool never start at 0).
 */
export function atOffset(b: Uint8Array, offset: number): Uint8Array {
  const big = new Uint8Array(b.length + offset + 7);
  big.fill(0xa5);
  big.set(b, offset);
  return big.subarray(offset, offset + b.length);
}
