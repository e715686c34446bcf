/**
 * The inference thread's worker (./inference-thread.ts), as source evaluated by `new Worker(src, { eval: true })`:
 * one string works the same from the ESM and CJS builds and from the TypeScript sources under test, with no
 * file of its own to locate. It requires onnxruntime-node from the path the main thread resolved, holds the
 * sessions by id and answers each request with its id; an error becomes a reply, never a crash of the thread.
 * Requests are handled one after another; 'close' releases every session after the runs before it and ends
 * the thread by itself: a Worker terminated while onnxruntime runs native code aborts the whole process
 * (N-API throws during the teardown), so the thread is only ever terminated idle; when the process exits,
 * the main thread waits on the shared busy flag for the request in onnxruntime to end and none starts after.
 */

/** A tensor crossing the thread: its data is an exact-length copy, transferred. */
export interface WireTensor {
  type: string;
  dims: number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Int16Array | Uint16Array;
}

export type WorkerRequest =
  | { id: number; op: 'open'; session: number; model: string | Uint8Array; options: object }
  | { id: number; op: 'run'; session: number; feeds: Record<string, WireTensor>; fetches: string[] | undefined }
  | { id: number; op: 'release'; session: number }
  | { id: number; op: 'close' };

export type WorkerReply = { id: number; result: unknown } | { id: number; error: string };

export const INFERENCE_WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
const sessions = new Map();
// shared with the main thread: [0] 1 while a request is in onnxruntime, [1] 1 once the process is exiting
const flags = new Int32Array(workerData.flags);

// Busy first, then the exit check: the main thread sets exiting, then waits while busy, so either this
// request sees exiting (and does not start) or the main thread sees busy (and waits for it to end).
async function guarded(msg) {
  Atomics.store(flags, 0, 1);
  try {
    if (Atomics.load(flags, 1) === 1) throw new Error('the process is exiting');
    return await handle(msg);
  } finally {
    Atomics.store(flags, 0, 0);
    Atomics.notify(flags, 0);
  }
}

function session(id) {
  const s = sessions.get(id);
  if (!s) throw new Error('no session ' + id + ' on the inference thread (released?)');
  return s;
}

async function handle(msg) {
  switch (msg.op) {
    case 'open': {
      const s = await ort.InferenceSession.create(msg.model, msg.options);
      sessions.set(msg.session, s);
      const plain = (m) => JSON.parse(JSON.stringify(m ?? []));
      return { result: { inputNames: [...s.inputNames], outputNames: [...s.outputNames], inputMetadata: plain(s.inputMetadata), outputMetadata: plain(s.outputMetadata) } };
    }
    case 'run': {
      const s = session(msg.session);
      const feeds = {};
      for (const name of Object.keys(msg.feeds)) {
        const t = msg.feeds[name];
        feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
      }
      const out = msg.fetches ? await s.run(feeds, msg.fetches) : await s.run(feeds);
      const result = {};
      const transfer = [];
      for (const name of Object.keys(out)) {
        const v = out[name];
        const data = v.data.slice();
        result[name] = { type: v.type, dims: [...v.dims], data };
        transfer.push(data.buffer);
        if (typeof v.dispose === 'function') v.dispose();
      }
      return { result, transfer };
    }
    case 'release': {
      const s = sessions.get(msg.session);
      sessions.delete(msg.session);
      if (s) await s.release();
      return { result: true };
    }
    case 'close': {
      for (const s of sessions.values()) await s.release().catch(() => undefined);
      sessions.clear();
      return { result: true, exit: true };
    }
    default:
      throw new Error('unknown request ' + String(msg.op));
  }
}

let queue = Promise.resolve();
parentPort.on('message', (msg) => {
  queue = queue.then(() =>
    guarded(msg).then(
      ({ result, transfer, exit }) => {
        parentPort.postMessage({ id: msg.id, result }, transfer ?? []);
        if (exit) parentPort.close(); // nothing else keeps the thread: it ends
      },
      (err) => parentPort.postMessage({ id: msg.id, error: err && err.message ? err.message : String(err) }),
    ),
  ).catch((err) => {
    // a fault of this code, not of a request: the thread dies loudly (the main thread fails what it asked)
    process.nextTick(() => {
      throw err;
    });
  });
});
`;
