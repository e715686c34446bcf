/**
 * The WebSocket feed and the metrics over real sockets (ws clients, raw TCP, HTTP), driven by Subjects
 * shaped like a monitor's observables so that every case (slow client, filters) can be produced on demand.
 * The end-to-end test drives them from a real QualityMonitor.
 */
import { connect } from 'node:net';
import { createServer, get } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ScoreEvent } from '@callmos/core';
import { serveTelemetry, type TelemetryServer } from '../src/telemetry/ws-server.js';
import { metricsHandler } from '../src/telemetry/metrics.js';
import { emptyStreamStats } from '../src/audio/audio-stream.js';
import { roomQuality } from '../src/monitor/room-quality.js';
import type { ParticipantState, } from '../src/monitor/types.js';
import { handFedSource } from './helpers/telemetry-source.js';

const TOKEN = 'secret-token-123';

const source = handFedSource;

const event = (streamId: string, mos: number, extra: Partial<ScoreEvent> = {}): ScoreEvent => ({
  v: 1, streamId, model: 'm@1', start: 0, end: 4, scored: true, mos, dims: {}, speechRatio: 0.9, latencyMs: 12, timestamp: 1, emaMos: mos, band: mos < 2.8 ? 'poor' : 'good', ...extra,
});

const participant = (producerId: string, closed = false): ParticipantState => ({
  producerId, transportId: 't', room: 'r1', appData: {}, paused: false, consuming: !closed, closed, alerting: false, stalled: false, stalls: 0, stats: emptyStreamStats(),
});

function open(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function collect(ws: WebSocket): any[] {
  const got: any[] = [];
  ws.on('message', (d) => got.push(JSON.parse(d.toString())));
  return got;
}

const tick = (ms = 50) => new Promise((r) => setTimeout(r, ms));

let server: TelemetryServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('serveTelemetry', () => {
  it('sends JSON events to clients with the token and refuses the others at the upgrade', async () => {
    const s = source();
    server = await serveTelemetry(s, { port: 0, token: TOKEN, allowedOrigins: ['https://dash.example'] });
    const base = `ws://127.0.0.1:${server.port}/callmos`;
    await expect(open(base)).rejects.toThrow('HTTP 401');
    await expect(open(`${base}?token=wrong-token-000`)).rejects.toThrow('HTTP 401');
    await expect(open(`${base}?token=${TOKEN}`, { Origin: 'https://evil.example' })).rejects.toThrow('HTTP 403');
    const viaHeader = await open(base, { Authorization: `Bearer ${TOKEN}`, Origin: 'https://dash.example' });
    const viaQuery = await open(`${base}?token=${TOKEN}`);
    const [a, b] = [collect(viaHeader), collect(viaQuery)];
    s.scores$.next(event('p1', 3.9));
    await tick();
    expect(a).toEqual([{ type: 'score', room: 'r1', data: event('p1', 3.9) }]);
    expect(b).toEqual(a);
    expect(server.clients).toBe(2);
    viaHeader.close();
    viaQuery.close();
  });

  it('filters by room, producer and type, from the URL or a filter message', async () => {
    const [r1, r2] = [source('r1'), source('r2')];
    server = await serveTelemetry([r1, r2], { port: 0, token: TOKEN });
    const base = `ws://127.0.0.1:${server.port}/callmos?token=${TOKEN}`;
    const onlyP2 = collect(await open(`${base}&producer=p2&types=score`));
    const onlyR2 = await open(`${base}&room=r2`);
    const r2Got = collect(onlyR2);
    r1.scores$.next(event('p1', 3));
    r1.scores$.next(event('p2', 3));
    r1.room$.next(roomQuality('r1', [], 5));
    r2.scores$.next(event('p9', 2));
    await tick();
    expect(onlyP2.map((m) => [m.type, m.data.streamId])).toEqual([['score', 'p2']]);
    expect(r2Got.map((m) => [m.type, m.room])).toEqual([['score', 'r2']]);
    onlyR2.send(JSON.stringify({ type: 'filter', types: ['alert'] }));
    onlyR2.send(JSON.stringify({ type: 'subscribe' }));
    await tick();
    r2.scores$.next(event('p9', 2));
    await tick();
    expect(r2Got.slice(1)).toEqual([{ type: 'error', message: expect.stringMatching(/only {"type":"filter"/) }]);
    onlyR2.send('not json');
    onlyR2.send('null');
    await tick();
    expect(r2Got.slice(2).map((m) => m.type)).toEqual(['error', 'error']);
    expect(server.stats.badMessages).toBe(3);
  });

  it('closes a client that sends a message over the size cap (1009)', async () => {
    server = await serveTelemetry(source(), { port: 0, token: TOKEN, maxMessageBytes: 256 });
    const ws = await open(`ws://127.0.0.1:${server.port}/callmos?token=${TOKEN}`);
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send('x'.repeat(1000));
    expect(await closed).toBe(1009);
    expect(server.stats.badMessages).toBe(1);
  });

  it('drops a client that does not read (bounded queue) while a reading client gets everything', async () => {
    const s = source();
    server = await serveTelemetry(s, { port: 0, token: TOKEN, maxBufferedBytes: 256 * 1024 });
    const fast = await open(`ws://127.0.0.1:${server.port}/callmos?token=${TOKEN}`);
    let fastCount = 0;
    fast.on('message', () => fastCount++);
    // A raw client: completes the handshake, then never reads a byte.
    const raw = connect(server.port, '127.0.0.1');
    const rawClosed = new Promise<void>((r) => raw.once('close', () => r()));
    await new Promise<void>((r) => raw.once('connect', () => r()));
    raw.write(
      `GET /callmos?token=${TOKEN} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await new Promise<void>((r) => raw.once('data', () => r()));
    raw.pause();
    const big = 'x'.repeat(2000);
    const sent = 20_000; // ~40 MB: far beyond the socket buffers and the 256 KiB cap
    let published = 0;
    for (let i = 0; i < sent && server.droppedSlowClients === 0; i++) {
      s.scores$.next(event('p1', 3, { error: big }));
      published++;
      if (i % 50 === 0) await tick(1); // let the fast client's socket drain
    }
    expect(server.droppedSlowClients).toBe(1);
    expect(published).toBeLessThan(sent);
    raw.resume(); // read the close frame (or see the termination)
    await rawClosed;
    for (let i = 0; i < 100; i++) s.scores$.next(event('p1', 3));
    for (let i = 0; i < 100 && server.clients !== 1; i++) await tick(20);
    expect(server.clients).toBe(1);
    for (let i = 0; i < 100 && fastCount < published + 100; i++) await tick(20);
    expect(fastCount).toBe(published + 100);
    fast.close();
  });

  it('needs a real token and exactly one of server or port', async () => {
    await expect(serveTelemetry(source(), { port: 0, token: 'short' })).rejects.toThrow(/token/);
    await expect(serveTelemetry(source(), { token: TOKEN })).rejects.toThrow(/server or port/);
  });

  it('attaches to an existing HTTP server, leaving its other routes alone', async () => {
    const http = createServer((_, res) => res.end('hello'));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    const port = (http.address() as { port: number }).port;
    server = await serveTelemetry(source(), { server: http, token: TOKEN, path: '/q' });
    const ws = await open(`ws://127.0.0.1:${port}/q?token=${TOKEN}`);
    const body = await new Promise<string>((r) => get(`http://127.0.0.1:${port}/`, (res) => res.on('data', (d) => r(String(d)))));
    expect(body).toBe('hello');
    ws.close();
    await server.close();
    server = undefined;
    await new Promise<void>((r) => http.close(() => r()));
  });
});

describe('metricsHandler', () => {
  it('serves MOS gauges per producer, histograms, stream counts and dropped windows; closed producers disappear', async () => {
    const s = source();
    const metrics = metricsHandler(s);
    const http = createServer(metrics);
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    const port = (http.address() as { port: number }).port;
    s.participants$.next([participant('p1'), participant('p2')]);
    s.room$.next({ room: 'r1', count: 2, scored: 2, worst: { producerId: 'p2', emaMos: 2.1 }, meanMos: 3, degraded: 1, stalled: 0, timestamp: 1 });
    s.scores$.next(event('p1', 3.9, { network: { mos: 4.2, r: 88, lossPct: 0, jitterMs: 2, rttMs: 0, codec: 'opus' } }));
    s.scores$.next(event('p2', 2.1));
    s.scores$.next({ ...event('p2', 2.1), scored: false, mos: null, reason: 'skipped-backlog', skippedWindows: 1 });
    const text = await new Promise<string>((resolve) =>
      get(`http://127.0.0.1:${port}/metrics`, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(body));
      }),
    );
    expect(text).toContain('callmos_mos{room="r1",producer="p1"} 3.9');
    expect(text).toContain('callmos_mos{room="r1",producer="p2"} 2.1');
    expect(text).toContain('callmos_network_mos{room="r1",producer="p1"} 4.2');
    expect(text).toContain('callmos_streams{room="r1"} 2');
    expect(text).toContain('callmos_streams_degraded{room="r1"} 1');
    expect(text).toContain('callmos_dropped_windows_total{room="r1"} 1');
    // a room's alert counters exist at 0 before its first alert (rate/increase see the first one)
    expect(text).toContain('callmos_alerts_total{room="r1",kind="raised"} 0');
    expect(text).toContain('callmos_alerts_total{room="r1",kind="cleared"} 0');
    expect(text).toMatch(/callmos_window_mos_distribution_bucket\{le="2.5",room="r1"\} 1/);
    expect(text).toContain('callmos_score_latency_seconds_count{room="r1"} 3');
    // concealment is a counter: it follows each producer's running count, from 0 when the producer appears
    expect(text).toContain('callmos_concealed_packets_total{room="r1",producer="p1"} 0');
    const concealing = (n: number) => ({ ...participant('p1'), stats: { ...emptyStreamStats(), opus: { ...emptyStreamStats().opus, concealed: n } } });
    s.participants$.next([concealing(5), participant('p2')]);
    s.participants$.next([concealing(8), participant('p2')]);
    expect(await metrics.metrics()).toContain('callmos_concealed_packets_total{room="r1",producer="p1"} 8');
    // a new decoder counts from 0 again: its 3 are added; a count that is not a number changes nothing
    s.participants$.next([concealing(3), participant('p2')]);
    s.participants$.next([concealing(Number.NaN), participant('p2')]);
    expect(await metrics.metrics()).toContain('callmos_concealed_packets_total{room="r1",producer="p1"} 11');
    s.participants$.next([participant('p1'), participant('p2', true)]);
    const after = await metrics.metrics();
    expect(after).not.toContain('producer="p2"');
    expect(after).toContain('producer="p1"');
    metrics.close();
    await new Promise<void>((r) => http.close(() => r()));
  });
});

describe('serveTelemetry history (a dashboard that connects late)', () => {
  /** The history comes right after the handshake: listen before 'open', as a browser's onmessage does. */
  const openCollecting = (url: string): Promise<{ ws: WebSocket; got: any[] }> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const got = collect(ws);
      ws.once('open', () => resolve({ ws, got }));
      ws.once('error', reject);
    });
  const at = (t: number, streamId: string, mos: number, extra: Partial<ScoreEvent> = {}) =>
    event(streamId, mos, { timestamp: t, end: t / 1000, ...extra });

  it('sends each followed room its recent points, alerts, participants and room state on connect and on a filter change', async () => {
    const [r1, r2] = [source('r1'), source('r2')];
    let now = 0; // the history's clock: points arrive at their events' times here
    server = await serveTelemetry([r1, r2], { port: 0, token: TOKEN, history: { seconds: 60, clock: () => now } });
    const base = `ws://127.0.0.1:${server.port}/callmos?token=${TOKEN}`;
    // nothing heard yet: no history message, only the live feed
    const { got: early } = await openCollecting(base);
    await tick();
    expect(early.filter((m) => m.type === 'history')).toEqual([]);
    const noisy = { kind: 'noise', dims: { noisiness: 1.8 }, likelihood: { noise: 0.9 } } as const;
    for (let t = 1_000; t <= 100_000; t += 1_000) {
      now = t;
      r1.scores$.next(at(t, 'p1', 3.9, { network: { mos: 4.1, r: 90, lossPct: 0, jitterMs: 3, rttMs: 20, codec: 'opus' } }));
      r1.scores$.next(at(t, 'p2', 2.1, { band: 'poor', cause: noisy }));
    }
    r1.scores$.next(event('p1', 3.8, { scored: false, mos: null, reason: 'no-speech', timestamp: 100_500 })); // not a point
    const alert = { v: 1, kind: 'raised', streamId: 'p2', producerId: 'p2', since: 20, at: 30, mos: 2.1, band: 'poor', reason: 'band poor for 10.0 s', cause: noisy } as const;
    r1.alerts$.next(alert as any);
    r1.participants$.next([participant('p1'), participant('p2')]);
    r2.scores$.next(at(100_000, 'q1', 3.5));

    const { ws: late, got } = await openCollecting(`${base}&room=r1`);
    await tick();
    const [history, ...rest] = got;
    expect(rest).toEqual([]);
    expect(history.type).toBe('history');
    expect(history.room).toBe('r1');
    const data = history.data;
    expect(data.seconds).toBe(60);
    // the last 60 s of each producer, oldest first, with band, cause and network MOS
    expect(Object.keys(data.streams).sort()).toEqual(['p1', 'p2']);
    expect(data.streams.p1.map((p: any) => p.t)).toEqual(Array.from({ length: 61 }, (_, i) => 40_000 + i * 1000));
    expect(data.streams.p1[0]).toEqual({ t: 40_000, end: 40, mos: 3.9, emaMos: 3.9, band: 'good', cause: null, networkMos: 4.1 });
    expect(data.streams.p2.at(-1)).toMatchObject({ mos: 2.1, band: 'poor', cause: 'noise', networkMos: null });
    expect(data.alerts).toEqual([alert]);
    expect(data.participants.map((p: any) => p.producerId)).toEqual(['p1', 'p2']);
    expect(data.room.room).toBe('r1');

    // a filter change re-sends the history the new filter selects (at most once per 2 s a client): one
    // producer of r1, and r2 not followed
    late.send(JSON.stringify({ type: 'filter', producers: ['p1'], rooms: ['r1'] }));
    await tick();
    expect(got).toHaveLength(1); // too soon after the first
    await tick(2000);
    late.send(JSON.stringify({ type: 'filter', producers: ['p1'], rooms: ['r1'] }));
    await tick();
    const again = got.slice(1);
    expect(again).toHaveLength(1);
    expect(Object.keys(again[0].data.streams)).toEqual(['p1']);
    expect(again[0].data.alerts).toEqual([]);
    expect(again[0].data.participants.map((p: any) => p.producerId)).toEqual(['p1']);
    // a client that asks for other types gets none; history off sends none
    const { got: scoresOnly } = await openCollecting(`${base}&types=score`);
    await tick();
    expect(scoresOnly).toEqual([]);
    late.close();
  });

  it('stays bounded: producers heard from least recently go first, alerts beyond the cap are dropped, seconds 0 is off', async () => {
    const s = source('r1');
    let now = 0;
    server = await serveTelemetry(s, { port: 0, token: TOKEN, history: { seconds: 10, maxProducers: 3, maxAlerts: 2, clock: () => now } });
    const next = (e: ScoreEvent) => ((now = e.timestamp), s.scores$.next(e));
    for (let i = 0; i < 5; i++) next(at(1_000 + i, `p${i}`, 3));
    next(at(2_000, 'p0', 3)); // p0 heard again: p1 and p2 are the least recent, and go
    for (let i = 0; i < 4; i++) s.alerts$.next({ v: 1, kind: 'raised', streamId: `p${i}`, producerId: `p${i}`, since: i, at: i, mos: 2, band: 'poor', reason: `r${i}` } as any);
    for (let t = 3_000; t <= 600_000; t += 500) next(at(t, 'p4', 3)); // a long stream: only its last 10 s stay
    // a timestamp from the future counts as now: it cannot push the others out of the window
    now = 600_000;
    s.scores$.next(at(9_000_000_000, 'p4', 3.5));
    s.scores$.next(at(600_000, 'p5', 3));
    const { got } = await openCollecting(`ws://127.0.0.1:${server.port}/callmos?token=${TOKEN}`);
    await tick();
    const data = got[0].data;
    // p0 and p3 went quiet more than 10 s ago: forgotten
    expect(Object.keys(data.streams).sort()).toEqual(['p4', 'p5']);
    expect(data.streams.p4.length).toBe(20); // 21 points in its last 10 s, and at most seconds / 0.5 kept
    expect(data.streams.p4.at(-1)).toMatchObject({ t: 600_000, mos: 3.5 });
    expect(data.alerts.map((a: any) => a.reason)).toEqual(['r2', 'r3']);
    await server.close();
    // a room too big for a client's send budget is thinned, not a reason to drop the client
    server = await serveTelemetry(s, { port: 0, token: TOKEN, maxBufferedBytes: 64 * 1024, history: { seconds: 600, clock: () => now } });
    for (let t = 0; t < 600_000; t += 1000) {
      now = t;
      for (let i = 0; i < 20; i++) s.scores$.next(at(t, `q${i}`, 3));
    }
    const big = await openCollecting(`ws://127.0.0.1:${server.port}/callmos?token=${TOKEN}`);
    await tick();
    expect(big.ws.readyState).toBe(WebSocket.OPEN);
    const bigData = big.got[0].data;
    expect(Object.keys(bigData.streams)).toHaveLength(20);
    expect(JSON.stringify(big.got[0]).length).toBeLessThanOrEqual(40 * 1024);
    expect(bigData.streams.q0.at(-1).t).toBe(599_000); // thinned evenly, the newest kept
    await server.close();
    server = await serveTelemetry(s, { port: 0, token: TOKEN, history: { seconds: 0 } });
    s.scores$.next(at(1_000, 'p0', 3));
    const { got: none } = await openCollecting(`ws://127.0.0.1:${server.port}/callmos?token=${TOKEN}`);
    await tick();
    expect(none).toEqual([]);
    await expect(serveTelemetry(s, { port: 0, token: TOKEN, history: { seconds: -1 } })).rejects.toThrow(/history.seconds/);
  });
});
