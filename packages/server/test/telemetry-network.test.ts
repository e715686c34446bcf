/**
 * serveTelemetry against what the network can send it: malformed request targets, upgrades for other
 * paths (alone, and beside the app's own upgrade handler), clients that reset mid-refusal or never
 * answer pings, and monitors that fail under connected clients. Raw TCP sockets and real ws clients.
 */
import { connect, type Socket } from 'node:net';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { CLOSE_MONITOR_DOWN, serveTelemetry, type TelemetryServer } from '../src/telemetry/ws-server.js';
import { metricsHandler } from '../src/telemetry/metrics.js';
import { emptyStreamStats } from '../src/audio/audio-stream.js';
import type { ParticipantState, } from '../src/monitor/types.js';
import { handFedSource } from './helpers/telemetry-source.js';

const TOKEN = 'secret-token-123';

const source = handFedSource;

const participant = (producerId: string): ParticipantState => ({
  producerId, transportId: 't', room: 'r1', appData: {}, paused: false, consuming: true, closed: false, alerting: false, stalled: false, stalls: 0, stats: emptyStreamStats(),
});

const UPGRADE_HEADERS = 'Host: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';

/** A raw TCP client: sends `request`, collects what comes back, resolves `closed` when the server closes it. */
function rawRequest(port: number, request: string): { socket: Socket; reply: () => string; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  let got = '';
  socket.on('data', (d) => (got += d.toString('latin1')));
  socket.on('error', () => undefined); // a reset by the server also ends the test's wait below
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.once('connect', () => socket.write(request));
  return { socket, reply: () => got, closed };
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

const listen = (http: Server) => new Promise<number>((r) => http.listen(0, '127.0.0.1', () => r((http.address() as { port: number }).port)));
const closeHttp = (http: Server) => new Promise<void>((r) => http.close(() => r()));
const tick = (ms = 50) => new Promise((r) => setTimeout(r, ms));

let server: TelemetryServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('serveTelemetry and hostile upgrade requests', () => {
  it('answers a request target that is not a URL path (GET //a:b/) with 400 on its own port and on an attached server', async () => {
    server = await serveTelemetry(source(), { port: 0, token: TOKEN });
    const own = rawRequest(server.port, `GET //a:b/ HTTP/1.1\r\n${UPGRADE_HEADERS}\r\n`);
    await own.closed;
    expect(own.reply()).toMatch(/^HTTP\/1\.1 400 /);
    expect(server.stats.refused['bad-request']).toBe(1);
    // the server is still there for real clients
    const ws = await open(`ws://127.0.0.1:${server.port}/callmos?token=${TOKEN}`);
    ws.close();
    await server.close();

    const http = createServer((_, res) => res.end('app'));
    const port = await listen(http);
    server = await serveTelemetry(source(), { server: http, token: TOKEN });
    const attached = rawRequest(port, `GET //a:b/ HTTP/1.1\r\n${UPGRADE_HEADERS}\r\n`);
    await attached.closed;
    expect(attached.reply()).toMatch(/^HTTP\/1\.1 400 /);
    await server.close();
    server = undefined;
    await closeHttp(http);
  });

  it('closes 200 upgrades for another path (404) when no one else handles upgrades', async () => {
    server = await serveTelemetry(source(), { port: 0, token: TOKEN });
    const clients = Array.from({ length: 200 }, (_, i) => rawRequest(server!.port, `GET /other/${i} HTTP/1.1\r\n${UPGRADE_HEADERS}\r\n`));
    await Promise.all(clients.map((c) => c.closed));
    expect(clients.every((c) => /^HTTP\/1\.1 404 /.test(c.reply()))).toBe(true);
    expect(server.stats.refused['not-found']).toBe(200);
    const metrics = metricsHandler(source(), { telemetry: server });
    expect(await metrics.metrics()).toContain('callmos_telemetry_refused_upgrades_total{reason="not-found"} 200');
    metrics.close();
  });

  it("leaves other paths to the app's own upgrade handler (e.g. protoo) and still serves its own", async () => {
    const http = createServer((_, res) => res.end('app'));
    const appWss = new WebSocketServer({ noServer: true });
    // the app's handler is registered first, like an SFU that sets up its signalling before callmos
    http.on('upgrade', (req, socket, head) => {
      if (req.url?.startsWith('/protoo')) appWss.handleUpgrade(req, socket, head, (ws) => ws.send('app hello'));
    });
    const port = await listen(http);
    server = await serveTelemetry(source(), { server: http, token: TOKEN });
    const appClient = new WebSocket(`ws://127.0.0.1:${port}/protoo?peer=1`);
    const hello = await new Promise<string>((resolve, reject) => {
      appClient.once('message', (d) => resolve(String(d)));
      appClient.once('error', reject);
    });
    expect(hello).toBe('app hello');
    const ours = await open(`ws://127.0.0.1:${port}/callmos?token=${TOKEN}`);
    expect(server.clients).toBe(1);
    expect(server.stats.refused['not-found']).toBe(0); // /protoo was not ours to refuse
    appClient.close();
    ours.close();
    await server.close();
    server = undefined;
    appWss.close();
    http.closeAllConnections();
    await closeHttp(http);
  });

  it('survives clients that reset the connection while being refused', async () => {
    server = await serveTelemetry(source(), { port: 0, token: TOKEN });
    const resets = Array.from({ length: 50 }, (_, i) => {
      const socket = connect(server!.port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.once('connect', () => {
        socket.write(`GET /callmos?token=wrong-${i} HTTP/1.1\r\n${UPGRADE_HEADERS}\r\n`);
        socket.resetAndDestroy();
      });
      return new Promise<void>((r) => socket.once('close', () => r()));
    });
    await Promise.all(resets);
    await tick(200);
    const ws = await open(`ws://127.0.0.1:${server.port}/callmos?token=${TOKEN}`);
    expect(server.clients).toBe(1);
    ws.close();
  });

  it('drops a client that never answers pings (heartbeat) and keeps one that does', async () => {
    server = await serveTelemetry(source(), { port: 0, token: TOKEN, heartbeatMs: 100 });
    const alive = await open(`ws://127.0.0.1:${server.port}/callmos?token=${TOKEN}`); // ws answers pings by itself
    // a raw client completes the handshake and then reads but never answers (a peer gone without a FIN looks the same)
    const dead = rawRequest(server.port, `GET /callmos?token=${TOKEN} HTTP/1.1\r\n${UPGRADE_HEADERS}\r\n`);
    await dead.closed;
    expect(dead.reply()).toMatch(/^HTTP\/1\.1 101 /);
    expect(server.stats.dropped.unresponsive).toBe(1);
    await tick(300);
    expect(alive.readyState).toBe(WebSocket.OPEN);
    expect(server.clients).toBe(1);
    alive.close();
  });
});

describe('serveTelemetry and events it cannot serialise', () => {
  it('skips and counts an event whose appData has a cycle, and goes on with the next ones', async () => {
    const s = source();
    const lines: string[] = [];
    server = await serveTelemetry(s, { port: 0, token: TOKEN, log: (line) => lines.push(line) });
    const ws = await open(`ws://127.0.0.1:${server.port}/callmos?token=${TOKEN}&types=participants`);
    const got: any[] = [];
    ws.on('message', (d) => got.push(JSON.parse(String(d))));
    await tick();
    got.length = 0;
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const p = (appData: Record<string, unknown>) => ({ ...participant('p1'), appData });
    s.participants$.next([p(cyclic)]);
    s.participants$.next([p({ name: 'fine' })]);
    await tick();
    expect(got.map((m) => m.data[0].appData)).toEqual([{ name: 'fine' }]);
    expect(server.stats.unserializable).toBe(1);
    expect(lines).toEqual([expect.stringMatching(/a participants event cannot be sent/)]);
    ws.close();
  });
});

describe('serveTelemetry when a monitor fails', () => {
  it("tells each client when a room's monitor goes down, and closes those that follow no live monitor (4011)", async () => {
    const [r1, r2] = [source('r1'), source('r2')];
    server = await serveTelemetry([r1, r2], { port: 0, token: TOKEN });
    const base = `ws://127.0.0.1:${server.port}/callmos?token=${TOKEN}`;
    const onlyR1 = await open(`${base}&room=r1&types=score`);
    const both = await open(base);
    const got = (ws: WebSocket) => {
      const list: any[] = [];
      ws.on('message', (d) => list.push(JSON.parse(String(d))));
      return list;
    };
    const [r1Got, bothGot] = [got(onlyR1), got(both)];
    const r1Closed = new Promise<[number, string]>((r) => onlyR1.once('close', (code, reason) => r([code, String(reason)])));
    const metrics = metricsHandler([r1, r2]);
    expect(await metrics.metrics()).toContain('callmos_monitor_up{room="r1"} 1');

    r1.scores$.error(new Error('mediasoup worker of router x died (pid 1)'));
    const [code, reason] = await r1Closed;
    expect(code).toBe(CLOSE_MONITOR_DOWN);
    expect(reason).toMatch(/monitor of room r1 is down: mediasoup worker of router x died/);
    // the down message comes whatever the client's type filter
    expect(r1Got).toEqual([{ type: 'monitor', room: 'r1', data: { state: 'down', reason: expect.stringMatching(/died/), at: expect.any(Number) } }]);
    await tick();
    expect(bothGot.filter((m) => m.type === 'monitor')).toEqual([{ type: 'monitor', room: 'r1', data: expect.objectContaining({ state: 'down' }) }]);
    expect(both.readyState).toBe(WebSocket.OPEN); // r2 is alive
    expect(server.stats.dropped['monitor-down']).toBe(1);
    const text = await metrics.metrics();
    expect(text).toContain('callmos_monitor_up{room="r1"} 0');
    expect(text).toContain('callmos_monitor_up{room="r2"} 1');
    expect(text).toContain('callmos_monitor_failures_total{room="r1"} 1');

    // a client that connects for the dead room is told and closed at once
    const late = new WebSocket(`${base}&room=r1`);
    const lateGot = got(late);
    const lateClosed = await new Promise<number>((r) => late.once('close', (c) => r(c)));
    expect(lateClosed).toBe(CLOSE_MONITOR_DOWN);
    // (after the room's history: what it heard before it died)
    expect(lateGot.filter((m) => m.type !== 'history').map((m) => [m.type, m.data.state])).toEqual([['monitor', 'down']]);

    // r2 closed deliberately: 'closed'; the client now follows no live monitor, and one of its two failed
    const bothClosed = new Promise<number>((r) => both.once('close', (c) => r(c)));
    r2.scores$.complete();
    r2.alerts$.complete();
    r2.participants$.complete();
    r2.room$.complete();
    expect(await bothClosed).toBe(CLOSE_MONITOR_DOWN);
    expect(bothGot.at(-1)).toEqual({ type: 'monitor', room: 'r2', data: expect.objectContaining({ state: 'closed', reason: 'monitor closed' }) });
    expect(await metrics.metrics()).toContain('callmos_monitor_up{room="r2"} 0');
    metrics.close();
  });

  it('closes clients with 1001 when their monitor is closed deliberately', async () => {
    const s = source('r1');
    server = await serveTelemetry(s, { port: 0, token: TOKEN });
    const ws = await open(`ws://127.0.0.1:${server.port}/callmos?token=${TOKEN}`);
    const closed = new Promise<number>((r) => ws.once('close', (c) => r(c)));
    for (const o of [s.scores$, s.alerts$, s.participants$, s.room$]) o.complete();
    expect(await closed).toBe(1001);
    expect(server.stats.dropped['monitor-down']).toBe(0);
  });
});
