/**
 * attachQualityMonitor(router): takes the scoring (the model, the speech detector and the thread they may run
 * on: a shared one, or its own loaded from the options), loads any external teachers, opens the monitor's
 * DirectTransport and hands them to a QualityMonitor (./quality-monitor.ts), which watches the router. A bad
 * model path fails the attach before anything on the router is touched.
 */
import type { DirectTransport, Router } from 'mediasoup/types';
import { Logger } from '@callmos/core';
import { ExternalTeachers } from '../teachers/external-teachers.js';
import { MonitorError } from './monitor-error.js';
import type { MonitorBackend, QualityMonitorOptions } from './monitor-options.js';
import { MonitorScoring, SCORING_OPTIONS } from './monitor-scoring.js';
import { QualityMonitor } from './quality-monitor.js';

const logger = new Logger('server:quality-monitor');

export async function attachQualityMonitor(router: Router, options: QualityMonitorOptions = {}): Promise<QualityMonitor> {
  if (router.closed) throw new MonitorError('ROUTER_CLOSED', `router ${router.id} is closed`);
  const interval = options.participantsIntervalMs ?? 250;
  if (!(interval >= 0 && Number.isFinite(interval))) throw new RangeError(`participantsIntervalMs must be a finite number >= 0, got ${options.participantsIntervalMs}`);
  const shared = options.scoring;
  if (shared) {
    const clash = SCORING_OPTIONS.filter((k) => options[k] !== undefined);
    if (clash.length > 0) throw new RangeError(`${clash.join(', ')}: options of the shared scoring (createMonitorScoring), not of attachQualityMonitor with one`);
    if (shared.stoppedBecause !== undefined) throw new MonitorError('MONITOR_FAILED', `the shared monitor scoring cannot score: ${shared.stoppedBecause}`);
  }
  // Load before touching the router: a bad model path fails the attach with ModelLoadError and no side effects.
  const scoring = shared ?? (await MonitorScoring.load(options));
  let teachers: ExternalTeachers | undefined;
  let transport: DirectTransport | undefined;
  try {
    // external teachers run where the monitor does (not on the inference thread): they score every few seconds
    teachers = options.teachers ? await ExternalTeachers.load(options.teachers, scoring.ort) : undefined;
    transport = await router.createDirectTransport({ appData: { callmosMonitor: true } });
    // a shared scoring may have stopped during the awaits
    if (scoring.stoppedBecause !== undefined) throw new MonitorError('MONITOR_FAILED', `the shared monitor scoring cannot score: ${scoring.stoppedBecause}`);
    const backend: MonitorBackend = { ...scoring.backend, teachers: teachers?.names ?? [] };
    // checks the alert and quality options (before the start-up line claims anything)
    const monitor = new QualityMonitor(router, transport, scoring, !shared, backend, options, teachers);
    announce(router, backend, shared !== undefined, options);
    return monitor;
  } catch (err) {
    if (transport && !transport.closed) transport.close();
    await teachers?.release();
    if (!shared) await scoring.close();
    throw err;
  }
}

/** Why this model and provider: the default choice's reason and the CUDA fallback's, each once (the first often names the second). */
function whyThisModel({ modelChoice, fallbackReason }: MonitorBackend): string {
  const fallback = fallbackReason && !modelChoice?.includes(fallbackReason) ? fallbackReason : undefined;
  const parts = [modelChoice, fallback].filter((part): part is string => part !== undefined);
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}

/** The start-up line: which model, where, and how (a `log` that throws is reported, the monitor stays). */
function announce(router: Router, backend: MonitorBackend, shared: boolean, options: QualityMonitorOptions): void {
  const line =
    `callmos: monitoring router ${router.id} with ${backend.model} on ${backend.provider.toUpperCase()}` +
      whyThisModel(backend) +
      `, batch ${backend.batchSize}, max wait ${backend.maxWaitMs} ms, speech: ${backend.speechDetector === 'energy gate' ? 'energy gate' : `energy gate + ${backend.speechDetector}`}` +
      (backend.teachers.length ? `, external teachers: ${backend.teachers.join(', ')}` : '') +
      (backend.inferenceThread ? ', inference on a worker thread' : '') +
      (shared ? ', scoring shared with other monitors' : '');
  try {
    (options.log ?? console.info)(line);
  } catch (err) {
    logger.warn(`the log option threw on the start-up line: ${String(err)}`);
  }
}
