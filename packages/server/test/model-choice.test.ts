/**
 * The monitor's default model (model-choice.ts): base where a GPU runs it, on CPU the largest model the bench
 * measured holding 40 streams per core. The per-model stream counts are the committed bench's.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listModels } from '@callmos/node';
import { chooseModel, CPU_MIN_STREAMS_PER_CORE, CPU_STREAMS_PER_CORE, GPU_MODEL } from '../src/monitor/model-choice.js';

const ladder = [
  { name: 'tiny', params: 131_703 },
  { name: 'lite', params: 594_087 },
  { name: 'small', params: 1_290_535 },
  { name: 'base', params: 3_637_031 },
];
/** a fixed bench for the rule's tests (the shipped table is checked against the committed bench below) */
const bench = { tiny: 64, lite: 48, small: 48, base: 32 };
const gpu = { usable: true };
const noGpu = { usable: false, reason: 'no NVIDIA GPU driver found' };

describe('the default model of a monitor', () => {
  it('is base on a GPU', () => {
    expect(chooseModel(ladder, gpu, bench)).toMatchObject({ model: GPU_MODEL, forGpu: true, why: 'default on a GPU: base, the GPU model' });
  });

  it('on CPU is the largest model holding the streams per core, and says what the larger ones hold', () => {
    const choice = chooseModel(ladder, noGpu, bench);
    expect(choice).toMatchObject({ model: 'small', forGpu: false });
    expect(choice.why).toBe('default on CPU: no NVIDIA GPU driver found; the largest model the bench measured holding 40 streams per core: small 48 (base 32)');
    expect(chooseModel(ladder, undefined, bench).why).toMatch(/^default on CPU: CPU asked for; /);
    // a base that held 40 streams would be the CPU default too
    expect(chooseModel(ladder, noGpu, { ...bench, base: 40 }).model).toBe('base');
  });

  it('on a GPU without base installed, and with fewer models installed, chooses among what is there', () => {
    expect(chooseModel(ladder.slice(0, 3), gpu, bench)).toMatchObject({ model: 'small', forGpu: false, why: expect.stringMatching(/^default: base not installed; /) });
    expect(chooseModel(ladder.slice(0, 2), noGpu, bench).model).toBe('lite');
    expect(chooseModel(ladder.slice(0, 2), noGpu, { ...bench, lite: 32 }).model).toBe('tiny');
    // a model no bench measured never wins on CPU, however large
    expect(chooseModel([...ladder.slice(0, 1), { name: 'mine', params: 9e6 }], noGpu, bench)).toMatchObject({ model: 'tiny', why: expect.stringContaining('(mine not measured)') });
    expect(chooseModel([], noGpu, bench).why).toMatch(/no installed model is known to hold 40 streams per core/);
  });

  it("knows every shipped model's streams per core, as the committed bench measured them", async () => {
    const results = JSON.parse(readFileSync(new URL('../../../bench/results.json', import.meta.url), 'utf8')) as {
      scale: { summary: { model: string; streamsPerCore: number }[] };
    };
    const measured = Object.fromEntries(results.scale.summary.map((s) => [s.model, s.streamsPerCore]));
    const shipped = (await listModels()).map((m) => m.name);
    expect(Object.keys(CPU_STREAMS_PER_CORE).sort()).toEqual(shipped.sort());
    expect(CPU_STREAMS_PER_CORE).toEqual(measured);
    expect(CPU_STREAMS_PER_CORE.small).toBeGreaterThanOrEqual(CPU_MIN_STREAMS_PER_CORE);
  });
});
