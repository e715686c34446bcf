/**
 * attachQualityMonitor(router): takes the scoring (the model, the speech detector and the thread they may run
 * on: a shared one, or its own loaded from the options), loads any external teachers, opens the monitor's
 * DirectTransport and hands them to a QualityMonitor (./quality-monitor.ts), which watches the router. A bad
 * model path fails the attach before anything on the router is touched.
 */
import type { DirectTransport, Router } from 'mediasoup/types';
import { ExternalTeachers } from '../teachers/external-teachers.js';
import { MonitorError } from './monitor-error.js';
import type { MonitorBackend, QualityMonitorOptions } from './monitor-options.js';
import { MonitorScoring, SCORING_OPTIONS } from './monitor-scoring.js';
import { QualityMonitor } from './quality-monitor.js';

export async function attachQualityMonitor(router: Router, options: QualityMonitorOptions = {}): Promise<QualityMonitor> {
  if (router.closed) throw new MonitorError('ROUTER_CLOSED', `router ${router.id} is closed`);
  const interval = options.participantsIntervalMs ?? 250;
  if (!(interval >= 0 && Number.isFinite(interval))) throw new RangeError(`participantsIntervalMs must be a finite number >= 0, got ${options.participantsIntervalMs}`);
  const shared = options.scoring;
  if (shared) {
    const clash = SCORING_OPTIONS.filter((k) => options[k] !== undefined);
    if (clash.length > 0) throw new RangeError(`${clash.join(', ')}: options of the shared scoring (createMonitorScoring), not of attachQualityMonitor with one`);
    if (shared.closed) throw new MonitorError('MONITOR_FAILED', 'the shared monitor scoring is closed');
  }
  // Load before touching the router: a bad model path fails the attach with ModelLoadError and no side effects.
  const scoring = shared ?? (await MonitorScoring.load(options));
  let teachers: ExternalTeachers | undefined;
  let transport: DirectTransport;
  try {
    teachers = options.teachers ? await ExternalTeachers.load(options.teachers, scoring.ort) : undefined;
    transport = await router.createDirectTransport({ appData: { callmosMonitor: true } });
  } catch (err) {
    await teachers?.release();
    if (!shared) await scoring.close();
    throw err;
  }
  const backend: MonitorBackend = { ...scoring.backend, teachers: teachers?.names ?? [] };
  (options.log ?? console.info)(
    `callmos: monitoring router ${router.id} with ${backend.model} on ${backend.provider.toUpperCase()}` +
      (backend.fallbackReason ? ` (${backend.fallbackReason})` : '') +
      `, batch ${backend.batchSize}, max wait ${backend.maxWaitMs} ms, speech: ${backend.speechDetector === 'energy gate' ? 'energy gate' : `energy gate + ${backend.speechDetector}`}` +
      (backend.teachers.length ? `, external teachers: ${backend.teachers.join(', ')}` : '') +
      (backend.inferenceThread ? ', inference on a worker thread' : '') +
      (shared ? ', scoring shared with other monitors' : ''),
  );
  return new QualityMonitor(router, transport, scoring, !shared, backend, options, teachers);
}
