import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createOrtSession, cudaAvailability } from '../src/backend.js';

const graph = fileURLToPath(new URL('../../core/test/fixtures/models/tiny-ok.onnx', import.meta.url));

describe('createOrtSession', () => {
  it('creates a CPU session with a set thread count', async () => {
    const handle = await createOrtSession(graph, { provider: 'cpu', intraOpThreads: 1 });
    expect(handle.provider).toBe('cpu');
    expect(handle.fallbackReason).toBeUndefined();
    expect(handle.session.inputNames).toEqual(['frames']);
    await handle.session.release();
  });

  it('accepts model bytes', async () => {
    const handle = await createOrtSession(readFileSync(graph), { provider: 'cpu' });
    expect(handle.session.outputNames).toEqual(expect.arrayContaining(['mos', 'dims']));
    await handle.session.release();
  });

  it('auto picks CUDA when usable, otherwise CPU and says why', async () => {
    const handle = await createOrtSession(graph);
    const cuda = cudaAvailability();
    if (handle.provider === 'cpu') {
      expect(handle.fallbackReason).toMatch(cuda.usable ? /CUDA session failed to start/ : new RegExp(cuda.reason!.replace(/[()]/g, '.')));
    } else {
      expect(cuda.usable).toBe(true);
    }
    await handle.session.release();
  });

  it.skipIf(cudaAvailability().usable)('fails when CUDA is demanded where it cannot run', async () => {
    await expect(createOrtSession(graph, { provider: 'cuda' })).rejects.toThrow(/^CUDA execution provider unavailable: /);
  });

  it('rejects a thread count that is not a positive integer', async () => {
    await expect(createOrtSession(graph, { intraOpThreads: 0 })).rejects.toThrow(RangeError);
    await expect(createOrtSession(graph, { intraOpThreads: 1.5 })).rejects.toThrow(/positive integer/);
  });
});
