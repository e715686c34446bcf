/**
 * The teacher pool: the monitor's window scheduler. Windows from every monitored stream go into core's one
 * WindowScheduler (one queue, batched model runs, per-stream bound, failures isolated), with the server's
 * defaults: batches of 16 that wait at most 50 ms to fill (many streams: a full batch costs about what a
 * lone window does) and 8 windows waiting per stream.
 */
import { WindowScheduler, type BatchRun, type MosModel, type WindowSchedulerOptions, type WindowSchedulerStats } from '@callmos/core';

export type TeacherPoolOptions = Omit<WindowSchedulerOptions, 'clock'>;
export type TeacherPoolStats = WindowSchedulerStats;
export type { BatchRun };

export const TEACHER_POOL_DEFAULTS = { batchSize: 16, maxWaitMs: 50, maxPendingPerStream: 8 } as const;

export class TeacherPool extends WindowScheduler {
  constructor(model: MosModel, options: TeacherPoolOptions = {}) {
    super(model, { ...TEACHER_POOL_DEFAULTS, ...definedOnly(options) });
  }
}

/** `{ batchSize: undefined }` means "the default", as it did before the scheduler moved to core. */
function definedOnly(options: TeacherPoolOptions): TeacherPoolOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}
