/**
 * Fuzzing what a WebSocket client can send the telemetry server, over real sockets: the upgrade's query
 * (rooms, producers, types: any list, empty, unknown names, odd commas and spaces) and then any messages
 * (filter messages of every shape, other JSON, broken JSON, binary). The server must answer each message
 * it does not take with an error message and go on; the events a client gets must be exactly those its
 * last accepted filter selects (a model of the filter rules decides); another client on the same server
 * must get everything meanwhile; and raw upgrade requests of any path and query must get an HTTP answer.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ScoreEvent } from '@callmos/core';
import { serveTelemetry, type TelemetryServer } from '../../src/telemetry/ws-server.js';
import { TELEMETRY_TYPES, type TelemetryMessage, type TelemetryType } from '../../src/telemetry/source.js';
import { emptyStreamStats } from '../../src/audio/audio-stream.js';
import { roomQuality } from '../../src/monitor/room-quality.js';
import type { MonitorAlert, ParticipantState, } from '../../src/monitor/types.js';
import { fc, fuzzAsync } from '../../../../test/helpers/fuzz.js';
import { handFedSource } from '../helpers/telemetry-source.js';

const TOKEN = 'fuzz-token-0123';
const ROOMS = ['r1', 'r2'] as const;
const PRODUCERS = ['p1', 'p2', 'p3'];

const source = handFedSource;
const sources = ROOMS.map(source);

let server: TelemetryServer;
beforeAll(async () => {
  server = await serveTelemetry(sources, { port: 0, token: TOKEN, maxMessageBytes: 4096 });
});
afterAll(() => server.close());

/** The filter rules, written from the documentation (null = everything). */
interface Filter {
  rooms: Set<string> | null;
  producers: Set<string> | null;
  types: Set<string>;
}
const ALL: Filter = { rooms: null, producers: null, types: new Set(TELEMETRY_TYPES) };

function selects(f: Filter, m: TelemetryMessage): boolean {
  if (!f.types.has(m.type) || (f.rooms && !f.rooms.has(m.room))) return false;
  if (f.producers && m.type === 'score') return f.producers.has(m.data.streamId);
  if (f.producers && m.type === 'alert') return f.producers.has(m.data.producerId);
  return true;
}

/** A query list as the URL carries it: `?room=a,b` (commas, spaces and empty items allowed). */
const listText = (names: readonly string[]) => fc.array(fc.constantFrom(...names, '', ' ', ' r1 '), { maxLength: 4 }).map((xs) => xs.join(','));
const query = fc.record({ room: fc.option(listText([...ROOMS, 'r9'])), producer: fc.option(listText(PRODUCERS)), types: fc.option(listText([...TELEMETRY_TYPES, 'bogus'])) });
type Query = typeof query extends fc.Arbitrary<infer Q> ? Q : never;

/** What the URL's filter is, or 'refused' (an unknown type is refused at the upgrade). */
function queryFilter(q: Query): Filter | 'refused' {
  const list = (v: string | null) => (v === null || v === '' ? null : v.split(',').map((s) => s.trim()).filter(Boolean));
  const types = list(q.types);
  if (types?.some((t) => !TELEMETRY_TYPES.includes(t as TelemetryType))) return 'refused';
  const set = (v: string | null) => (list(v) === null ? null : new Set(list(v)));
  return { rooms: set(q.room), producers: set(q.producer), types: new Set(types ?? TELEMETRY_TYPES) };
}

type Msg = { text: string | Buffer; filter: Filter | null };

/** A message and what it does to the filter (null: refused with an error message). */
const message: fc.Arbitrary<Msg> = fc.oneof(
  // filter messages, valid or not in each field
  fc
    .record({
      rooms: fc.oneof(fc.constant(undefined), fc.constant(null), fc.array(fc.constantFrom(...ROOMS, 'r9')), fc.constantFrom<unknown>('r1', 7, [1], {})),
      producers: fc.oneof(fc.constant(undefined), fc.constant(null), fc.array(fc.constantFrom(...PRODUCERS)), fc.constantFrom<unknown>('p1', [null], true)),
      types: fc.oneof(fc.constant(undefined), fc.constant(null), fc.subarray([...TELEMETRY_TYPES]), fc.constantFrom<unknown>(['bogus'], 'score', [3], {})),
    }, { requiredKeys: [] })
    .map(({ rooms, producers, types }) => {
      const strings = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.every((s) => typeof s === 'string'));
      const ok = strings(rooms) && strings(producers) && (types === undefined || types === null || (Array.isArray(types) && types.every((t) => TELEMETRY_TYPES.includes(t))));
      const set = (v: unknown) => (v === undefined || v === null ? null : new Set(v as string[]));
      return {
        text: JSON.stringify({ type: 'filter', rooms, producers, types }),
        filter: ok ? { rooms: set(rooms), producers: set(producers), types: new Set((types as string[] | null | undefined) ?? TELEMETRY_TYPES) } : null,
      };
    }),
  // any other JSON, broken JSON, arbitrary text, binary frames: all refused
  fc.jsonValue().filter((v) => !(v && typeof v === 'object' && (v as { type?: unknown }).type === 'filter')).map((v) => ({ text: JSON.stringify(v) ?? 'null', filter: null })),
  fc.string({ maxLength: 200 }).filter((s) => !/^\s*\{/.test(s)).map((text) => ({ text, filter: null })),
  fc.uint8Array({ maxLength: 300 }).map((b) => ({ text: Buffer.from(b), filter: null })),
);

/** Events from both rooms, of every type, for several producers. */
const EVENT_TYPES = ['score', 'alert', 'participants', 'room'] as const;
const event = fc.record({ room: fc.nat(ROOMS.length - 1), type: fc.constantFrom(...EVENT_TYPES), producer: fc.constantFrom(...PRODUCERS) });

function publish(e: { room: number; type: (typeof EVENT_TYPES)[number]; producer: string }, n: number): TelemetryMessage {
  const s = sources[e.room]!;
  const score: ScoreEvent = { v: 1, streamId: e.producer, model: 'm@1', start: n, end: n + 4, scored: true, mos: 3, dims: {}, speechRatio: 1, latencyMs: 1, timestamp: n };
  if (e.type === 'score') return s.scores$.next(score), { type: 'score', room: s.room, data: score };
  if (e.type === 'alert') {
    const a = { kind: 'raised', streamId: e.producer, producerId: e.producer, room: s.room, appData: {}, at: n } as unknown as MonitorAlert;
    return s.alerts$.next(a), { type: 'alert', room: s.room, data: a };
  }
  if (e.type === 'participants') {
    const p: ParticipantState[] = [{ producerId: e.producer, transportId: 't', room: s.room, appData: {}, paused: false, consuming: true, closed: false, alerting: false, stalled: false, stalls: 0, stats: emptyStreamStats() }];
    return s.participants$.next(p), { type: 'participants', room: s.room, data: p };
  }
  const r = roomQuality(s.room, [], n);
  return s.room$.next(r), { type: 'room', room: s.room, data: r };
}

function open(path: string): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_, res) => (resolve(res.statusCode ?? 0), res.resume(), ws.terminate()));
    ws.once('error', reject);
  });
}

/** Messages a client gets, and a way to wait until the server has answered the n-th refused message. */
function inbox(ws: WebSocket) {
  const got: any[] = [];
  const waiters: { errors: number; resolve: () => void }[] = [];
  ws.on('message', (d) => {
    got.push(JSON.parse(d.toString()));
    const errors = got.filter((m) => m.type === 'error').length;
    for (const w of waiters.splice(0)) if (errors >= w.errors) w.resolve();
    else waiters.push(w);
  });
  return {
    got,
    errorsSeen: (errors: number) =>
      new Promise<void>((resolve) => (got.filter((m) => m.type === 'error').length >= errors ? resolve() : waiters.push({ errors, resolve }))),
  };
}

const closed = (ws: WebSocket) => new Promise<void>((r) => (ws.readyState === WebSocket.CLOSED ? r() : ws.once('close', () => r())));

describe('telemetry server: what clients send (fuzz)', () => {
  it('answers refused messages with an error, applies accepted filters, delivers exactly what the filter selects', async () => {
    let n = 0;
    await fuzzAsync('telemetry client messages', 120, fc.asyncProperty(query, fc.array(message, { maxLength: 8 }), fc.array(event, { minLength: 1, maxLength: 12 }), async (q, msgs, events) => {
      const params = new URLSearchParams({ token: TOKEN });
      for (const [k, v] of Object.entries(q)) if (v !== null) params.set(k, v);
      const expected = queryFilter(q);
      const client = await open(`/callmos?${params}`);
      if (expected === 'refused') {
        expect(client).toBe(400);
        return;
      }
      expect(client).toBeInstanceOf(WebSocket);
      const ws = client as WebSocket;
      const observer = (await open(`/callmos?token=${TOKEN}`)) as WebSocket;
      const [mine, all] = [inbox(ws), inbox(observer)];
      let filter = expected;
      let refused = 0;
      for (const m of msgs) {
        ws.send(m.text);
        if (m.filter) filter = m.filter;
        else refused++;
      }
      // a refused message as a marker: once its error is back, the messages before it were handled
      ws.send('{"type":"sync"}');
      await mine.errorsSeen(refused + 1);
      const sent = events.map((e) => publish(e, n++));
      ws.send('{"type":"sync"}');
      observer.send('{"type":"sync"}');
      await Promise.all([mine.errorsSeen(refused + 2), all.errorsSeen(1)]);

      const errors = mine.got.filter((m) => m.type === 'error');
      expect(errors).toHaveLength(refused + 2);
      for (const e of errors) expect(e.message).toBeTypeOf('string');
      // the history a client is sent on connecting and on each filter change is checked in telemetry.test.ts
      const live = (got: any[]) => got.filter((m) => m.type !== 'error' && m.type !== 'history');
      expect(live(mine.got)).toEqual(sent.filter((m) => selects(filter, m)));
      expect(live(all.got)).toEqual(sent.filter((m) => selects(ALL, m)));
      ws.close();
      observer.close();
      await Promise.all([closed(ws), closed(observer)]);
    }));
  });

  it('answers any raw upgrade request (any path, query, key) over HTTP and keeps serving', async () => {
    const request = fc.record({
      path: fc.oneof(fc.constant('/callmos'), fc.constant('/other'), fc.string({ maxLength: 20 }).map((p) => `/${p.replace(/[\s\r\n?#]/g, '')}`)),
      query: fc.string({ maxLength: 60 }).map((s) => s.replace(/[\s\r\n]/g, '')),
      token: fc.oneof(fc.constant(TOKEN), fc.string({ maxLength: 20 })),
      key: fc.oneof(fc.constant('dGhlIHNhbXBsZSBub25jZQ=='), fc.string({ maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, ''))),
    });
    await fuzzAsync('telemetry raw upgrades', 150, fc.asyncProperty(request, async (r) => {
      const socket = connect(server.port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      let answer = '';
      socket.on('data', (d) => (answer += d));
      const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.on('error', () => undefined);
      socket.write(
        `GET ${r.path}?token=${encodeURIComponent(r.token)}&${r.query} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${r.key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
      // an answer (101 to the right path, token and key; else 4xx) or, for a path nobody serves, a close
      const timer = setTimeout(() => socket.destroy(), 300);
      await new Promise<void>((resolve) => {
        const check = () => (/^HTTP\/1\.1 \d{3}/.test(answer) ? resolve() : undefined);
        socket.on('data', check);
        void ended.then(resolve);
      });
      clearTimeout(timer);
      socket.destroy();
      await ended;
      if (answer) expect(answer).toMatch(/^HTTP\/1\.1 (101|400|401|403|404|426)/);
    }));
    // and the server still serves a well-formed client
    const ws = (await open(`/callmos?token=${TOKEN}`)) as WebSocket;
    const box = inbox(ws);
    ws.send('nope');
    await box.errorsSeen(1);
    ws.close();
    await closed(ws);
  });
});

/** Found by the fuzzers above (fixed in ws-server.ts by the network-hardening work): their regression tests. */
describe('telemetry server: bugs found by fuzzing', () => {
  const rawUpgrade = async (port: number, path: string) => {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`GET ${path}?token=${TOKEN} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    return socket;
  };

  // With `port` the server is serveTelemetry's own: nobody else can take an upgrade to another path. It
  // used to return without answering: the socket stayed open, and half-open on the server even after the
  // client left (allowHalfOpen), so every such request leaked a socket and close() hung.
  it('answers an upgrade to a path it does not serve on its own server (404) and closes the socket', async () => {
    const own = await serveTelemetry(source('x'), { port: 0, token: TOKEN });
    const socket = await rawUpgrade(own.port, '/not-callmos');
    const answer = await new Promise<string>((resolve) => {
      socket.once('data', (d) => resolve(String(d)));
      setTimeout(() => resolve('(no answer in 1 s)'), 1000);
    });
    socket.destroy();
    const closing = own.close().then(() => 'closed');
    const result = await Promise.race([closing, new Promise((r) => setTimeout(() => r('close() still waiting after 2 s'), 2000))]);
    expect(answer).toMatch(/^HTTP\/1\.1 404/);
    expect(result).toBe('closed');
  });

  // JSON `null` (or a number, string, array) was refused with a TypeError's text: "Cannot read
  // properties of null (reading 'type')" rather than what the server expects.
  it('refuses a JSON null message with a clear error, not a TypeError text', async () => {
    const ws = (await open(`/callmos?token=${TOKEN}`)) as WebSocket;
    const box = inbox(ws);
    ws.send('null');
    await box.errorsSeen(1);
    ws.close();
    expect(box.got[0].message).toMatch(/filter/);
  });
});
