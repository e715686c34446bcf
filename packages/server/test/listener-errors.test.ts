/**
 * What a stream does when the code it calls fails: an event listener that throws, or an external
 * teacher's decoration that fails, is logged through core's logger (as mediasoup's safeEmit reports a
 * listener error) instead of vanishing, and the stream goes on: every later window still arrives.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setLogEventListeners, type MosModel, type ScoreEvent } from '@callmos/core';
import { loadModel } from '@callmos/node';
import { AudioStream, type AudioStreamOptions } from '../src/audio/audio-stream.js';
import { OpusStreamDecoder } from '../src/audio/opus-stream-decoder.js';
import { TeacherPool } from '../src/pool/teacher-pool.js';
import { buildRtp } from '../src/rtp/rtp-packet.js';
import { fixtureModelDir } from './helpers/models.js';
import { ffmpegPath, opusPackets, speech16k, writeWav } from './helpers/media.js';

let model: MosModel;
let pool: TeacherPool;
let packets: Uint8Array[];
let logs: Array<{ level: string; namespace: string; log: string; error?: Error }>;

async function run(options: Partial<AudioStreamOptions>): Promise<void> {
  const stream = new AudioStream({ streamId: 's', pool, decoder: await OpusStreamDecoder.create(), payloadType: 100, onEvent: () => undefined, ...options });
  packets.forEach((payload, i) => stream.pushRtp(buildRtp({ payloadType: 100, sequenceNumber: 1000 + i, timestamp: 5000 + i * 960, ssrc: 0x1234, payload })));
  await stream.end();
}

describe.skipIf(!ffmpegPath)('AudioStream: failures of the code it calls are logged, and the stream goes on', () => {
  beforeAll(async () => {
    model = await loadModel(fixtureModelDir(), { provider: 'cpu', intraOpThreads: 1, maxBatch: 8 });
    pool = new TeacherPool(model, { batchSize: 8, maxWaitMs: 5, maxPendingPerStream: 64 });
    const dir = mkdtempSync(join(tmpdir(), 'callmos-listener-'));
    writeWav(join(dir, 's.wav'), await speech16k(3), 16000);
    packets = opusPackets(join(dir, 's.wav'), join(dir, 's.ogg'));
  });
  beforeEach(() => {
    logs = [];
    setLogEventListeners({
      ondebug: () => undefined,
      onwarn: (namespace, log) => logs.push({ level: 'warn', namespace, log }),
      onerror: (namespace, log, error) => logs.push({ level: 'error', namespace, log, error }),
    });
  });
  afterEach(() => setLogEventListeners());
  afterAll(async () => {
    pool.close();
    await model.release();
  });

  it('a listener that throws is logged as an error with what it threw; the windows after it still arrive', async () => {
    const seen: ScoreEvent[] = [];
    const bug = new Error('listener bug');
    await run({
      onEvent: (e) => {
        seen.push(e);
        if (seen.length === 1) throw bug;
      },
    });
    expect(seen.length).toBeGreaterThanOrEqual(4); // 3 s at W = 1 s, hop 0.5 s
    expect(seen.map((e) => e.start)).toEqual(seen.map((_, k) => k * 0.5));
    expect(logs).toEqual([{ level: 'error', namespace: 'callmos:server:audio-stream', log: 'stream s: the event listener threw', error: bug }]);
  });

  it('a decoration that fails is logged as a warning and the event goes out without it', async () => {
    const seen: ScoreEvent[] = [];
    await run({
      onEvent: (e) => seen.push(e),
      decorate: () => {
        throw new Error('teacher down');
      },
    });
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(seen.every((e) => e.extra === undefined)).toBe(true);
    expect(logs.length).toBe(seen.length);
    expect(logs[0]).toMatchObject({ level: 'warn', namespace: 'callmos:server:audio-stream', log: expect.stringMatching(/^stream s: decorating the event failed .*teacher down/) });
  });
});
