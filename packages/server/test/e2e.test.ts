/**
 * Acceptance, end to end: a real mediasoup worker and router; three PlainTransport producers fed by
 * ffmpeg in real time (-re, libopus RTP) from clips made here: clean speech, the same speech in white
 * noise at 0 dB SNR, and the clean speech with 20 % of its RTP packets dropped by a UDP relay for the
 * first 12 s. The monitor scores them with the largest shipped model; a ws client with the token gets
 * the events (one without is refused) and /metrics shows the gauges.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Router, Worker } from 'mediasoup/types';
import type { ScoreEvent } from '@callmos/core';
import { attachQualityMonitor } from '../src/monitor/attach-quality-monitor.js';
import type { QualityMonitor } from '../src/monitor/quality-monitor.js';
import type { MonitorAlert, ParticipantState } from '../src/monitor/types.js';
import { serveTelemetry, type TelemetryServer } from '../src/telemetry/ws-server.js';
import { metricsHandler } from '../src/telemetry/metrics.js';
import { largestShippedModel } from './helpers/models.js';
import { ffmpegPath, mixAtSnr, speech16k, speechSource, writeWav } from './helpers/media.js';
import { createRouter, ffmpegRtp, LossyRelay, plainOpusProducer, startWorker, workerMissing } from './helpers/mediasoup.js';

const MODEL = largestShippedModel();
// The acceptance numbers are about real read speech: the repo's 8 s TTS fixture, looped, is no stand-in.
const skip =
  workerMissing ??
  (ffmpegPath ? null : 'ffmpeg is not installed') ??
  (MODEL ? null : 'no shipped model installed (models/small, models/tiny)') ??
  (speechSource.startsWith('librispeech') ? null : 'needs the LibriSpeech subset of ../shared/corpora');
if (skip) console.warn(`e2e test skipped: ${skip}`);

const SECONDS = 26;
/** the relay drops 20 % of the loss stream's RTP until this many seconds after the start */
const LOSS_UNTIL = 12;
const TOKEN = 'e2e-token-0123456789';
/**
 * Alert rule of this deployment: smoothed MOS below 3.0 for 2 s (cleared at 3.1 for 3 s). Band poor
 * (below 2.5) is inside it; a call with 20 % random loss concealed by Opus is impaired without always
 * being poor.
 */
const ALERT = { seconds: 2, clearSeconds: 3, threshold: 3.0 };

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

describe.skipIf(skip !== null)(`e2e: mediasoup + ffmpeg RTP + ${MODEL} model (speech: ${speechSource})`, () => {
  let worker: Worker;
  let router: Router;
  let qm: QualityMonitor;
  let telemetry: TelemetryServer;
  let http: Server;
  const events = new Map<string, ScoreEvent[]>();
  const alerts: MonitorAlert[] = [];
  const wsMessages: any[] = [];
  let ids: { clean: string; noisy: string; loss: string };
  let relay: LossyRelay;
  let metricsText = '';
  let wsCloseCode = 0;
  let refused = '';
  let finalStates: ParticipantState[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callmos-e2e-'));
    const speech = await speech16k(SECONDS, 40);
    writeWav(join(dir, 'clean.wav'), speech, 16000);
    writeWav(join(dir, 'noisy.wav'), mixAtSnr(speech, 0), 16000);

    worker = await startWorker();
    router = await createRouter(worker, { room: 'e2e' });
    qm = await attachQualityMonitor(router, {
      model: MODEL!,
      batchSize: 8,
      maxWaitMs: 50,
      quality: { timeConstantSec: 2 },
      alert: ALERT,
      networkStatsIntervalMs: 500,
      log: (line) => console.info(line),
    });
    qm.scores$.subscribe((e) => events.set(e.streamId, [...(events.get(e.streamId) ?? []), e]));
    qm.alerts$.subscribe((a) => alerts.push(a));
    telemetry = await serveTelemetry(qm, { port: 0, token: TOKEN, allowedOrigins: ['http://dash.test'] });
    const ws = new WebSocket(`ws://127.0.0.1:${telemetry.port}/callmos?types=score,alert`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    ws.on('message', (d) => wsMessages.push(JSON.parse(String(d))));
    const wsClosed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    await new Promise((r) => ws.once('open', r));
    refused = await new Promise<string>((resolve) => {
      const bad = new WebSocket(`ws://127.0.0.1:${telemetry.port}/callmos`);
      bad.once('unexpected-response', (_, res) => resolve(`HTTP ${res.statusCode}`));
      bad.once('open', () => resolve('open'));
    });
    const metrics = metricsHandler(qm);
    http = createServer(metrics);
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));

    const clean = await plainOpusProducer(router, 11, { name: 'clean' });
    const noisy = await plainOpusProducer(router, 22, { name: 'noisy' });
    const loss = await plainOpusProducer(router, 33, { name: 'loss' });
    ids = { clean: clean.producer.id, noisy: noisy.producer.id, loss: loss.producer.id };
    relay = await LossyRelay.start(loss.port, 0.2);
    const stopDropping = setTimeout(() => (relay.dropping = false), LOSS_UNTIL * 1000);
    const runs = [
      ffmpegRtp(join(dir, 'clean.wav'), clean.port, clean.rtcpPort, 11),
      ffmpegRtp(join(dir, 'noisy.wav'), noisy.port, noisy.rtcpPort, 22),
      ffmpegRtp(join(dir, 'clean.wav'), relay.port, loss.rtcpPort, 33), // RTP through the lossy relay, RTCP direct
    ];
    await Promise.all(runs.map((r) => r.done));
    clearTimeout(stopDropping);
    await new Promise((r) => setTimeout(r, 500));
    metricsText = await new Promise<string>((resolve) =>
      get(`http://127.0.0.1:${(http.address() as { port: number }).port}/metrics`, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(body));
      }),
    );
    finalStates = qm.currentParticipants;
    for (const p of [clean, noisy, loss]) p.producer.close(); // flushes the last windows
    await qm.close();
    // the server closes the client once the monitor has closed: whatever was sent before has arrived
    wsCloseCode = await wsClosed;
  }, (SECONDS + 40) * 1000);

  afterAll(async () => {
    await telemetry?.close();
    await new Promise((r) => http?.close(r));
    relay?.close();
    worker?.close();
  });

  it('scores all three streams with content MOS and network MOS', () => {
    for (const id of Object.values(ids)) {
      const list = events.get(id) ?? [];
      expect(list.length).toBeGreaterThanOrEqual(SECONDS - 6);
      expect(list.filter((e) => e.scored).length).toBeGreaterThanOrEqual(SECONDS - 8);
      expect(list.some((e) => e.network !== undefined)).toBe(true);
    }
    const lossNet = (events.get(ids.loss) ?? []).filter((e) => e.network && e.end <= LOSS_UNTIL).map((e) => e.network!.lossPct);
    expect(mean(lossNet)).toBeGreaterThan(10); // the relay's 20 % shows in the producer's RTP stats
    // every packet the relay dropped was seen missing by the jitter buffer and concealed by libopus
    const lossStats = finalStates.find((p) => p.producerId === ids.loss)!.stats;
    expect(lossStats.jitter.lost).toBe(relay.dropped);
    expect(lossStats.opus.concealed).toBe(relay.dropped);
    expect(finalStates.find((p) => p.producerId === ids.clean)!.stats.opus.concealed).toBe(0);
    const netMos = (id: string, until = Infinity) => mean((events.get(id) ?? []).filter((e) => e.network && e.end <= until).map((e) => e.network!.mos));
    console.info(`e2e network MOS: clean ${netMos(ids.clean).toFixed(2)}, noisy ${netMos(ids.noisy).toFixed(2)}, loss (while dropping) ${netMos(ids.loss, LOSS_UNTIL).toFixed(2)}`);
    expect(netMos(ids.clean)).toBeGreaterThan(4); // a clean local network: Opus tops out at 4.5
    expect(netMos(ids.loss, LOSS_UNTIL)).toBeLessThan(netMos(ids.clean) - 0.5);
  });

  /**
   * The issue asks for clean > loss and clean > noisy by >= 1.0. The 1.0 students (trained on 16 kHz
   * clips only) put 20 % concealed loss 0.90 below clean (small); 1.1, trained with the resampler's
   * response every served stream has, separates them by 1.15 (small) on this clip.
   */
  const LOSS_GAP = 1.0;
  it('orders MOS clean > noisy by at least 1.0 and clean > loss by at least LOSS_GAP', () => {
    const mosOf = (id: string, until = Infinity) => mean((events.get(id) ?? []).filter((e) => e.scored && e.end <= until).map((e) => e.mos!));
    const report = {
      clean: mosOf(ids.clean),
      noisy: mosOf(ids.noisy),
      cleanDuringLoss: mosOf(ids.clean, LOSS_UNTIL),
      lossDuringLoss: mosOf(ids.loss, LOSS_UNTIL),
      relayDropped: relay.dropped,
      minEma: Object.fromEntries(Object.entries(ids).map(([k, id]) => [k, Math.min(...(events.get(id) ?? []).filter((e) => e.emaMos !== undefined).map((e) => e.emaMos!))])),
      maxEmaLossAfter: Math.max(...(events.get(ids.loss) ?? []).filter((e) => e.end > LOSS_UNTIL + 4 && e.emaMos !== undefined).map((e) => e.emaMos!)),
    };
    console.info(`e2e MOS (${MODEL}): ${JSON.stringify(report)}`);
    expect(report.clean - report.noisy).toBeGreaterThanOrEqual(1.0);
    expect(report.cleanDuringLoss - report.lossDuringLoss).toBeGreaterThanOrEqual(LOSS_GAP);
  });

  it('raises alerts for the degraded streams only, and clears the loss alert once the relay stops dropping', () => {
    const of = (id: string, kind: string) => alerts.filter((a) => a.producerId === id && a.kind === kind);
    expect(of(ids.noisy, 'raised').length).toBeGreaterThanOrEqual(1);
    expect(of(ids.loss, 'raised').length).toBeGreaterThanOrEqual(1);
    expect(of(ids.loss, 'cleared').length).toBeGreaterThanOrEqual(1);
    expect(of(ids.loss, 'cleared')[0]!.at).toBeGreaterThan(LOSS_UNTIL);
    expect(of(ids.clean, 'raised')).toEqual([]);
  });

  it('feeds a ws client with the token and refuses one without', () => {
    expect(refused).toBe('HTTP 401');
    const scores = wsMessages.filter((m) => m.type === 'score');
    expect(scores.length).toBe([...events.values()].reduce((n, l) => n + l.length, 0));
    expect(wsMessages.filter((m) => m.type === 'alert').length).toBe(alerts.length);
    expect(wsMessages.at(-1)).toMatchObject({ type: 'monitor', room: 'e2e', data: { state: 'closed' } });
    expect(wsCloseCode).toBe(1001);
  });

  it('shows per-producer MOS gauges and counts on /metrics', () => {
    for (const id of Object.values(ids)) expect(metricsText).toMatch(new RegExp(`callmos_mos\\{room="e2e",producer="${id}"\\} \\d`));
    expect(metricsText).toContain('callmos_streams{room="e2e"} 3');
    expect(metricsText).toMatch(/callmos_windows_total\{room="e2e",outcome="scored"\} \d+/);
    expect(metricsText).toMatch(/callmos_batch_size_count \d+/);
  });

  // How fast is measured by `npm run bench` (server scale: p50/p99 per stream count), not asserted here:
  // on a shared 2-core machine a timed bound only measures the neighbours. This checks that every scored
  // event carries its audio-to-event latency.
  it('reports latency from audio to score event', () => {
    const lat = [...events.values()].flat().filter((e) => e.scored).map((e) => e.latencyMs);
    console.info(`e2e latency ms: p50 ${quantile(lat, 0.5).toFixed(1)}, p99 ${quantile(lat, 0.99).toFixed(1)} over ${lat.length} windows`);
    expect(lat.length).toBeGreaterThan(0);
    for (const ms of lat) expect(Number.isFinite(ms) && ms >= 0).toBe(true);
  });
});
