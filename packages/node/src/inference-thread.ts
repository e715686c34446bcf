/**
 * Inference off the event loop: onnxruntime-node sessions that live in one worker thread. onnxruntime-node's
 * `run` is synchronous native work behind a promise (it blocks the calling thread for the whole run: 5-60 ms
 * a batch), so on a monitor's main thread every run stalls RTP receive, Opus decoding and framing of all
 * streams. Sessions opened through an InferenceThread are ordinary InferenceSessions to core (MosModel,
 * SileroVad, the streaming pair): `run` posts the feeds to the thread and resolves with its outputs.
 *
 * Costs: the feeds are copied once per run (a transferable copy; a structured clone of a view would copy its
 * whole buffer), the outputs once back. Runs of all sessions on one thread are serialised, as they are on the
 * main thread. The worker holds the process open only while a request is pending, as a native session does.
 * If the thread dies, every pending and later request fails with InferenceThreadError; nothing else does.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { CallmosError, Logger } from '@callmos/core';
import * as ort from 'onnxruntime-node';
import { INFERENCE_WORKER_SOURCE, type WireTensor, type WorkerReply, type WorkerRequest } from './inference-worker-source.js';

const logger = new Logger('node:inference-thread');

/**
 * A request to the inference thread failed because the thread is closed, failed or exited. Code
 * MODEL_RUN_FAILED (inference could not run); a model's run wraps it in ModelRunError as its `cause`.
 */
export class InferenceThreadError extends CallmosError<'MODEL_RUN_FAILED'> {
  override readonly name = 'InferenceThreadError';

  constructor(message: string) {
    super('MODEL_RUN_FAILED', message);
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export class InferenceThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private nextSession = 1;
  /** why requests fail from now on (closed, crashed, exited) */
  private dead: string | undefined;
  private readonly counters = { runs: 0, failedRuns: 0 };
  private closing: Promise<void> | undefined;
  /** shared with the thread: [0] 1 while a request is in onnxruntime, [1] 1 once the process exits */
  private readonly flags = new Int32Array(new SharedArrayBuffer(8));
  private markFailed!: (why: string) => void;
  /**
   * Resolves with the reason when the thread fails or exits on its own (never on close()): its owner can stop
   * for good instead of failing every run from then on.
   */
  readonly failed = new Promise<string>((resolve) => {
    this.markFailed = resolve;
  });

  /** Runs done and failed on the thread, and the requests waiting for its answer. */
  get stats(): { runs: number; failedRuns: number; pending: number } {
    return { ...this.counters, pending: this.pending.size };
  }

  get closed(): boolean {
    return this.dead !== undefined;
  }

  /** Opens a session for an .onnx path or model bytes on the thread, with onnxruntime's session options. */
  async open(model: string | Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> {
    const session = this.nextSession++;
    const meta = (await this.request({ op: 'open', session, model, options })) as SessionMetadata;
    return new ThreadSession(this, session, meta);
  }

  /**
   * Ends the thread: pending requests and every later one fail at once; the thread releases its sessions
   * after the run it is in (if any) and exits. Never terminated mid-run: a Worker terminated in native
   * onnxruntime code aborts the process. One that has not exited after `timeoutMs` is terminated anyway.
   */
  close(timeoutMs = 30_000): Promise<void> {
    this.closing ??= this.shutDown(timeoutMs);
    return this.closing;
  }

  private async shutDown(timeoutMs: number): Promise<void> {
    liveThreads.delete(this);
    if (this.dead === undefined) this.dead = 'the inference thread was closed';
    const worker = this.worker;
    this.worker = undefined;
    this.failPending(this.dead);
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage({ id: 0, op: 'close' } satisfies WorkerRequest);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), timeoutMs);
    });
    if ((await Promise.race([exited, late])) === 'late') {
      logger.warn(`the inference thread did not exit within ${timeoutMs} ms of close(): terminated`);
      await worker.terminate();
    }
    clearTimeout(timer);
  }

  /**
   * @internal The process is exiting (synchronously, from its 'exit' event): no request starts on the thread
   * from now on, and this returns once the one in onnxruntime (if any) has ended, or after `timeoutMs`.
   */
  quiesce(timeoutMs: number): void {
    Atomics.store(this.flags, 1, 1);
    Atomics.wait(this.flags, 0, 1, timeoutMs);
  }

  /** @internal */
  async run(session: number, feeds: ort.InferenceSession.FeedsType, fetches: readonly string[] | undefined): Promise<ort.InferenceSession.ReturnType> {
    const wire: Record<string, WireTensor> = {};
    const transfer: ArrayBuffer[] = [];
    for (const [name, tensor] of Object.entries(feeds)) {
      const data = copyOf(tensor.data, name);
      wire[name] = { type: tensor.type, dims: [...tensor.dims], data };
      transfer.push(data.buffer as ArrayBuffer);
    }
    try {
      const out = (await this.request({ op: 'run', session, feeds: wire, fetches: fetches ? [...fetches] : undefined }, transfer)) as Record<string, WireTensor>;
      this.counters.runs++;
      const result: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(out)) result[name] = new ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims);
      return result as ort.InferenceSession.ReturnType;
    } catch (err) {
      this.counters.failedRuns++;
      throw err;
    }
  }

  /** @internal */
  release(session: number): Promise<void> {
    // a dead thread has released everything already
    if (this.dead !== undefined) return Promise.resolve();
    return this.request({ op: 'release', session }).then(() => undefined);
  }

  private request(message: Request, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.dead !== undefined) return Promise.reject(new InferenceThreadError(this.dead));
    const worker = this.start();
    const id = this.nextId++;
    const reply = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    worker.ref(); // a pending request keeps the process alive, as a native run would
    try {
      worker.postMessage({ ...message, id } as WorkerRequest, transfer);
    } catch (err) {
      // e.g. session options holding a function (DataCloneError): this request fails, nothing waits for it
      this.pending.delete(id);
      if (this.pending.size === 0) worker.unref();
      return Promise.reject(err);
    }
    return reply;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
    const worker = new Worker(INFERENCE_WORKER_SOURCE, { eval: true, workerData: { ortPath, flags: this.flags.buffer }, name: 'callmos-inference' });
    worker.unref();
    worker.on('message', (reply: WorkerReply) => this.settle(reply));
    // a reply that cannot be read back leaves its request unanswerable: nothing can be trusted any more
    worker.on('messageerror', (err) => {
      logger.error(`a reply of the inference thread could not be read: ${err.message}`);
      this.die(`a reply of the inference thread could not be read: ${err.message}`);
      worker.postMessage({ id: 0, op: 'close' } satisfies WorkerRequest); // it ends after its run (never terminated mid-run)
    });
    worker.on('error', (err) => {
      logger.error(`inference thread failed: ${err.message}`);
      this.die(`the inference thread failed: ${err.message}`);
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.die(`the inference thread exited (code ${code})`);
    });
    this.worker = worker;
    watchProcess(this);
    return worker;
  }

  private settle(reply: WorkerReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if ('error' in reply) waiting.reject(new Error(reply.error));
    else waiting.resolve(reply.result);
  }

  private die(why: string): void {
    if (this.dead !== undefined) return;
    liveThreads.delete(this);
    this.dead = why;
    this.markFailed(why);
    this.worker = undefined;
    this.failPending(why);
  }

  private failPending(why: string): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(new InferenceThreadError(why));
  }
}

/**
 * A process that exits while a worker thread is inside onnxruntime's native code aborts (N-API throws during
 * the thread's teardown: SIGABRT, exit code 134, whatever code the process meant to exit with). So on exit
 * each live thread is told the process is exiting (it starts no further request) and the exit waits, on the
 * shared busy flag, for the request in flight to end: at most one run (tens of ms), bounded at 30 s. (An
 * uncaught exception exits the same way: its exit code and message are Node's, not an abort's.)
 */
const liveThreads = new Set<InferenceThread>();
let watching = false;
function watchProcess(thread: InferenceThread): void {
  liveThreads.add(thread);
  if (watching) return;
  watching = true;
  process.on('exit', () => {
    for (const t of liveThreads) t.quiesce(30_000);
  });
}

interface SessionMetadata {
  inputNames: string[];
  outputNames: string[];
  inputMetadata: ort.InferenceSession.ValueMetadata[];
  outputMetadata: ort.InferenceSession.ValueMetadata[];
}

/** A session living on an InferenceThread, for core as any other. */
class ThreadSession implements ort.InferenceSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  private released = false;

  constructor(
    private readonly thread: InferenceThread,
    private readonly id: number,
    meta: SessionMetadata,
  ) {
    this.inputNames = meta.inputNames;
    this.outputNames = meta.outputNames;
    this.inputMetadata = meta.inputMetadata;
    this.outputMetadata = meta.outputMetadata;
  }

  run(feeds: ort.InferenceSession.FeedsType, fetchesOrOptions?: ort.InferenceSession.FetchesType | ort.InferenceSession.RunOptions): Promise<ort.InferenceSession.ReturnType> {
    if (this.released) return Promise.reject(new InferenceThreadError('the session was released'));
    return this.thread.run(this.id, feeds, fetchNames(fetchesOrOptions));
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.thread.release(this.id);
  }

  // Profiling is onnxruntime's per-session file output; it is not forwarded across the thread.
  startProfiling(): void {
    logger.warn('profiling is not available for sessions on an inference thread');
  }

  endProfiling(): void {}
}

/** Output names asked for, when given as names (core always names them); otherwise every output. */
function fetchNames(fetches: ort.InferenceSession.FetchesType | ort.InferenceSession.RunOptions | undefined): readonly string[] | undefined {
  if (Array.isArray(fetches)) return fetches.map((f) => (typeof f === 'string' ? f : String(f)));
  return undefined;
}

type WireData = WireTensor['data'];

/** An exact-length copy of a tensor's data, so that only its bytes cross the thread (a view's clone copies its whole buffer). */
function copyOf(data: ort.Tensor['data'], name: string): WireData {
  // any typed array (the string tensors' arrays and GPU data are not)
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) return (data as WireData).slice();
  throw new TypeError(`feed "${name}": an inference thread passes numeric CPU tensors only`);
}
