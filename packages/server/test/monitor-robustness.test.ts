/**
 * The monitor under what a network and a crashing worker do to it, on a real mediasoup worker with real
 * Opus RTP (libopus packets from ffmpeg) sent to PlainTransport producers: producers that come and go by
 * the dozen, a sender whose timestamps run far ahead of time, a sender that switches SSRC mid-call, and
 * the worker killed while a dashboard (a real ws client) and /metrics watch.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogEventListeners } from '@callmos/core';
import { filter, firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import WebSocket from 'ws';
import type { Producer, Router, Worker } from 'mediasoup/types';
import { attachQualityMonitor } from '../src/monitor/attach-quality-monitor.js';
import { MonitorError, type QualityMonitor } from '../src/monitor/quality-monitor.js';
import type { MonitorAlert, ParticipantState, RoomQuality } from '../src/monitor/types.js';
import { CLOSE_MONITOR_DOWN, serveTelemetry } from '../src/telemetry/ws-server.js';
import { metricsHandler } from '../src/telemetry/metrics.js';
import { fixtureModelDir } from './helpers/models.js';
import { ffmpegPath, opusPackets, speech16k, writeWav } from './helpers/media.js';
import { createRouter, plainOpusProducer, sendRtpRun, startWorker, udpSender, workerMissing, type UdpSender } from './helpers/mediasoup.js';

const skip = workerMissing ?? (ffmpegPath ? null : 'ffmpeg is not installed');
if (skip) console.warn(`monitor robustness tests skipped: ${skip}`);

let packets: Uint8Array[];
let modelDir: string;
const quiet = { log: () => undefined, provider: 'cpu' as const, intraOpThreads: 1, networkStatsIntervalMs: 200 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function consuming(qm: QualityMonitor, ...producerIds: string[]): Promise<unknown> {
  return firstValueFrom(qm.participants$.pipe(filter((ps) => producerIds.every((id) => ps.some((p) => p.producerId === id && p.consuming)))));
}

const state = (qm: QualityMonitor, id: string) => qm.currentParticipants.find((p) => p.producerId === id);

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  for (const start = Date.now(); !ok(); await sleep(20)) if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
}

/** The garbage collector, for checking that closed producers are not kept alive. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe.skipIf(skip !== null)('QualityMonitor robustness (real mediasoup worker, real Opus RTP)', () => {
  let worker: Worker;
  let router: Router;
  const senders: UdpSender[] = [];
  const sender = async (port: number) => {
    const tx = await udpSender(port);
    senders.push(tx);
    return tx;
  };

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callmos-robust-'));
    writeWav(join(dir, 's.wav'), await speech16k(6), 16000);
    packets = opusPackets(join(dir, 's.wav'), join(dir, 's.ogg'));
    modelDir = fixtureModelDir();
    worker = await startWorker();
    router = await createRouter(worker, { room: 'robust' });
  });
  afterAll(() => {
    for (const tx of senders) tx.close();
    worker?.close();
  });

  it('keeps nothing of 60 producers created and closed: no listeners, taps, streams or decoders left reachable', async () => {
    const qm = await attachQualityMonitor(router, { ...quiet, model: modelDir, worker });
    /** One producer's life: created, sent 60 packets, closed; only a WeakRef to it is kept. */
    const cycle = async (i: number): Promise<WeakRef<Producer>> => {
      const p = await plainOpusProducer(router, 20_000 + i);
      await consuming(qm, p.producer.id);
      const ended = lastValueFrom(qm.stream$(p.producer.id).pipe(toArray()));
      await sendRtpRun(await sender(p.port), packets, { ssrc: 20_000 + i, from: 0, to: 60, pauseMs: 1 });
      await until('the packets', () => (state(qm, p.producer.id)?.stats.rtpPackets ?? 0) >= 55);
      p.transport.close();
      expect((await ended).length).toBeGreaterThan(0); // its last windows were scored before it completed
      return new WeakRef(p.producer);
    };
    const gone: WeakRef<Producer>[] = [];
    for (let i = 0; i < 60; i++) gone.push(await cycle(i));
    expect(qm.producerIds).toEqual([]);
    expect(qm.stats.producers).toBe(60);
    expect(qm.stats.rtpPackets).toBeGreaterThanOrEqual(60 * 55);
    const gc = collector();
    // (deref() keeps a target alive until the end of the current job: collect first, look once, after an await)
    for (let i = 0; i < 5; i++) {
      gc();
      await sleep(20);
    }
    // a tap holds its producer, its consumer, its AudioStream and its decoder: none of the 60 is reachable
    expect(gone.filter((r) => r.deref() !== undefined).length).toBe(0);
    await qm.close();
  }, 120_000);

  it('gives a sender whose timestamps advance 1.9 s per packet no more stream time than has passed (through mediasoup)', async () => {
    const qm = await attachQualityMonitor(router, { ...quiet, model: modelDir, worker });
    const p = await plainOpusProducer(router, 31_000);
    await consuming(qm, p.producer.id);
    const events = lastValueFrom(qm.stream$(p.producer.id).pipe(toArray()));
    const started = Date.now();
    await sendRtpRun(await sender(p.port), packets, { ssrc: 31_000, from: 0, to: 300, timestamp: (i) => 1000 + i * 91_200 });
    await until('the packets', () => state(qm, p.producer.id)?.stats.rtpPackets === 300);
    const elapsed = (Date.now() - started) / 1000;
    const stats = state(qm, p.producer.id)!.stats;
    // 6 s of decoded audio, plus silence no longer than the time that passed and the budget (3 s); was 568 s
    expect(stats.duration).toBeLessThanOrEqual(6 + elapsed + 3 + 0.1);
    expect(stats.fillThrottled).toBeGreaterThan(250);
    expect(qm.stats.anomalies['fill-throttled']).toBe(stats.fillThrottled);
    const metrics = metricsHandler(qm);
    expect(await metrics.metrics()).toMatch(/callmos_stream_anomalies_total\{room="robust",kind="fill-throttled"\} [1-9]\d\d/);
    metrics.close();
    p.transport.close();
    expect((await events).length).toBeLessThan(40); // 1,135 windows before
    await qm.close();
  });

  it('marks a producer whose sender switched SSRC as stalled (mediasoup drops the new SSRC), and unstalls it when RTP is back', async () => {
    const qm = await attachQualityMonitor(router, { ...quiet, model: modelDir, worker, stallAfterMs: 400 });
    const p = await plainOpusProducer(router, 41_000, { name: 'switcher' });
    await consuming(qm, p.producer.id);
    const rooms: RoomQuality[] = [];
    qm.room$.subscribe((r) => rooms.push(r));
    const tx = await sender(p.port);
    await sendRtpRun(tx, packets, { ssrc: 41_000, from: 0, to: 100 });
    // the same socket, a new SSRC, numbering and timestamps going on: about 1.2 s of RTP the worker drops
    await sendRtpRun(tx, packets, { ssrc: 42_000, from: 100, to: 220, pauseMs: 40 });
    const during = state(qm, p.producer.id)!;
    expect(during.stats.rtpPackets).toBe(100); // none of the new SSRC reached the monitor
    expect(during).toMatchObject({ stalled: true, stalls: 1 });
    expect(during.lastRtpAt).toBeLessThan(Date.now() - 400);
    expect(rooms.at(-1)).toMatchObject({ stalled: 1, degraded: 1 });
    expect(qm.stats).toMatchObject({ stalled: 1, anomalies: { stall: 1 } });
    const metrics = metricsHandler(qm); // room$ gives it the latest room state at once
    expect(await metrics.metrics()).toContain('callmos_streams_stalled{room="robust"} 1');
    // back to the producer's SSRC: scored again, no longer stalled
    await sendRtpRun(tx, packets, { ssrc: 41_000, from: 220, to: 240 });
    await until('the unstall', () => state(qm, p.producer.id)?.stalled === false);
    expect(rooms.at(-1)).toMatchObject({ stalled: 0 });
    expect(await metrics.metrics()).toContain('callmos_streams_stalled{room="robust"} 0');
    // a paused producer sends nothing and is not stalled
    await p.producer.pause();
    await sleep(1000);
    expect(state(qm, p.producer.id)).toMatchObject({ paused: true, stalled: false, stalls: 1 });
    metrics.close();
    p.transport.close();
    await qm.close();
  });

  it('clears the raised alert of a producer that closes (reason: producer closed)', async () => {
    // every scored window is degraded under this rule: the alert is raised on the first one
    const qm = await attachQualityMonitor(router, { ...quiet, model: modelDir, worker, alert: { seconds: 0, threshold: 5 } });
    const alerts: MonitorAlert[] = [];
    qm.alerts$.subscribe((a) => alerts.push(a));
    const p = await plainOpusProducer(router, 51_000);
    await consuming(qm, p.producer.id);
    await sendRtpRun(await sender(p.port), packets, { ssrc: 51_000, from: 0, to: 150 });
    await until('the alert', () => alerts.length > 0);
    const ended = lastValueFrom(qm.stream$(p.producer.id).pipe(toArray()));
    p.transport.close();
    await ended;
    expect(alerts.map((a) => [a.kind, a.reason])).toEqual([
      ['raised', expect.stringMatching(/below 5/)],
      ['cleared', 'producer closed'],
    ]);
    expect(alerts[1]!.since).toBe(alerts[0]!.since);
    await qm.close();
  });

  it('counts and logs a producer it cannot consume, and forgets it', async () => {
    const w = await startWorker();
    const rt = await createRouter(w);
    let monitorTransport: { close(): void } | undefined;
    rt.observer.on('newtransport', (t) => t.appData.callmosMonitor && (monitorTransport = t));
    const warnings: string[] = [];
    setLogEventListeners({ onwarn: (namespace, log) => warnings.push(`${namespace} ${log}`) });
    try {
      const qm = await attachQualityMonitor(rt, { ...quiet, model: modelDir, worker: w });
      monitorTransport!.close(); // the monitor's DirectTransport gone (an app closing every transport of a router, say)
      const p = await plainOpusProducer(rt, 71_000);
      await until('the failure', () => qm.stats.faults['tap-failed'] === 1);
      expect(qm.producerIds).toEqual([]);
      expect(warnings).toEqual([expect.stringMatching(new RegExp(`^callmos:server:quality-monitor producer ${p.producer.id} cannot be monitored: `))]);
      await qm.close();
    } finally {
      setLogEventListeners();
      w.close();
    }
  });

  it('when the worker is killed under a dashboard: streams flushed, alerts cleared, producers closed, then the client is told and closed (4011) and /metrics says so', async () => {
    const w = await startWorker();
    const rt = await createRouter(w, { room: 'doomed' });
    const qm = await attachQualityMonitor(rt, { ...quiet, model: modelDir, worker: w, alert: { seconds: 0, threshold: 5 } });
    const telemetry = await serveTelemetry(qm, { port: 0, token: 'dashboard-token' });
    const metrics = metricsHandler(qm, { telemetry });
    const ws = new WebSocket(`ws://127.0.0.1:${telemetry.port}/callmos?token=dashboard-token`);
    const messages: any[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(String(d))));
    const closed = new Promise<[number, string]>((r) => ws.once('close', (code, reason) => r([code, String(reason)])));
    await new Promise((r) => ws.once('open', r));
    const p = await plainOpusProducer(rt, 61_000);
    await consuming(qm, p.producer.id);
    const streamOutcome = lastValueFrom(qm.stream$(p.producer.id).pipe(toArray())).then(
      () => 'completed',
      (e: Error) => e,
    );
    const streamEvents: unknown[] = [];
    qm.stream$(p.producer.id).subscribe({ next: (e) => streamEvents.push(e), error: () => undefined });
    await sendRtpRun(await sender(p.port), packets, { ssrc: 61_000, from: 0, to: 120 });
    await until('the raised alert', () => messages.some((m) => m.type === 'alert'));
    expect(await metrics.metrics()).toContain('callmos_monitor_up{room="doomed"} 1');
    const before = streamEvents.length;

    process.kill(w.pid, 'SIGKILL');
    const [code, reason] = await closed;
    expect(code).toBe(CLOSE_MONITOR_DOWN);
    expect(reason).toMatch(/^monitor of room doomed is down: mediasoup worker of router .* died \(pid \d+\)/);
    const outcome = await streamOutcome;
    expect(outcome).toBeInstanceOf(MonitorError);
    expect(streamEvents.length).toBeGreaterThan(before); // the held audio was scored before the error
    const kinds = messages.map((m) => m.type);
    const last = messages.at(-1);
    expect(last).toEqual({ type: 'monitor', room: 'doomed', data: { state: 'down', reason: expect.stringMatching(/died/), at: expect.any(Number) } });
    const cleared = messages.find((m) => m.type === 'alert' && m.data.kind === 'cleared');
    expect(cleared.data.reason).toMatch(/^monitoring stopped: mediasoup worker .* died/);
    const finalParticipants = messages.filter((m) => m.type === 'participants').at(-1).data as ParticipantState[];
    expect(finalParticipants).toMatchObject([{ producerId: p.producer.id, closed: true }]);
    expect(messages.filter((m) => m.type === 'room').at(-1).data).toMatchObject({ count: 0 });
    expect(kinds.indexOf('monitor')).toBe(kinds.length - 1);

    const text = await metrics.metrics();
    expect(text).toContain('callmos_monitor_up{room="doomed"} 0');
    expect(text).toContain('callmos_monitor_failures_total{room="doomed"} 1');
    expect(text).toContain('callmos_streams{room="doomed"} 0');
    expect(text).not.toContain(`producer="${p.producer.id}"`);
    expect(text).toContain('callmos_telemetry_dropped_clients_total{reason="monitor-down"} 1');
    metrics.close();
    await telemetry.close();
    await qm.close();
  });
});
