/**
 * attachQualityMonitor(router): loads the model, the speech detector and any external teachers, opens
 * the monitor's DirectTransport and hands them to a QualityMonitor (./quality-monitor.ts), which watches
 * the router. A bad model path fails the attach before anything on the router is touched.
 */
import type { DirectTransport, Router } from 'mediasoup/types';
import { Logger, type SileroVad } from '@callmos/core';
import { defaultModel, InferenceThread, loadModelWithDetails, loadSpeechDetector } from '@callmos/node';
import { TeacherPool } from '../pool/teacher-pool.js';
import { ExternalTeachers } from '../teachers/external-teachers.js';
import { MonitorError } from './monitor-error.js';
import type { MonitorBackend, QualityMonitorOptions } from './monitor-options.js';
import { QualityMonitor } from './quality-monitor.js';

const logger = new Logger('server:quality-monitor');
const MONITOR_SPEECH_WAIT_MS = 10;

export async function attachQualityMonitor(router: Router, options: QualityMonitorOptions = {}): Promise<QualityMonitor> {
  if (router.closed) throw new MonitorError('ROUTER_CLOSED', `router ${router.id} is closed`);
  const interval = options.participantsIntervalMs ?? 250;
  if (!(interval >= 0 && Number.isFinite(interval))) throw new RangeError(`participantsIntervalMs must be a finite number >= 0, got ${options.participantsIntervalMs}`);
  const batchSize = options.batchSize ?? 16;
  const thread = options.inferenceThread ? new InferenceThread() : undefined;
  // Load before touching the router: a bad model path fails the attach with ModelLoadError and no side effects.
  const loaded = await loadModelWithDetails(options.model ?? defaultModel, {
    modelsDir: options.modelsDir,
    provider: options.provider,
    intraOpThreads: options.intraOpThreads,
    maxBatch: batchSize,
    thread,
  }).catch(async (err: unknown) => {
    await thread?.close();
    throw err;
  });
  let teachers: ExternalTeachers | undefined;
  let speech: SileroVad | undefined;
  let transport: DirectTransport;
  try {
    // frames of live streams arrive spread over time: 10 ms lets a run gather those of other streams (~3x
    // cheaper per frame with dozens of streams; verdicts are needed once a window, every second)
    speech = (options.speechDetector ?? 'silero') === 'silero' ? await loadSpeechDetector(undefined, { maxWaitMs: MONITOR_SPEECH_WAIT_MS, thread }) : undefined;
    teachers = options.teachers ? await ExternalTeachers.load(options.teachers, { provider: options.provider, intraOpThreads: options.intraOpThreads }) : undefined;
    transport = await router.createDirectTransport({ appData: { callmosMonitor: true } });
  } catch (err) {
    await loaded.model.release().catch((err: unknown) => logger.warn(`releasing the model after a failed attach failed: ${String(err)}`));
    await speech?.release().catch((err: unknown) => logger.warn(`releasing the speech detector after a failed attach failed: ${String(err)}`));
    await teachers?.release();
    await thread?.close();
    throw err;
  }
  const pool = new TeacherPool(loaded.model, { ...options, batchSize });
  const backend: MonitorBackend = {
    model: loaded.model.id,
    modelPath: loaded.files.onnxPath,
    provider: loaded.provider,
    ...(loaded.fallbackReason ? { fallbackReason: loaded.fallbackReason } : {}),
    batchSize: pool.batchSize,
    maxWaitMs: pool.maxWaitMs,
    teachers: teachers?.names ?? [],
    speechDetector: speech ? speech.id : 'energy gate',
    inferenceThread: thread !== undefined,
  };
  (options.log ?? console.info)(
    `callmos: monitoring router ${router.id} with ${backend.model} on ${backend.provider.toUpperCase()}` +
      (backend.fallbackReason ? ` (${backend.fallbackReason})` : '') +
      `, batch ${backend.batchSize}, max wait ${backend.maxWaitMs} ms, speech: ${speech ? `energy gate + ${speech.id}` : 'energy gate'}` +
      (backend.teachers.length ? `, external teachers: ${backend.teachers.join(', ')}` : '') +
      (thread ? ', inference on a worker thread' : ''),
  );
  return new QualityMonitor(router, transport, pool, backend, options, { teachers, speech, thread });
}
