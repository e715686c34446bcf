/**
 * serveTelemetry: the monitors' events as JSON over WebSocket (ws), for dashboards.
 *
 * Access: a client must present the token (`Authorization: Bearer <token>`, or `?token=` since browsers
 * cannot set headers on a WebSocket) and, when allowedOrigins is given, a browser's Origin must be in it
 * (non-browser clients send no Origin). Refusals happen at the HTTP upgrade (401 / 403), before any
 * event is sent.
 *
 * Filters: `?room=a,b`, `?producer=id1,id2`, `?types=score,alert` (default all types); a client may
 * change them later by sending {"type":"filter", "rooms"?, "producers"?, "types"?}. Inbound messages
 * are capped at maxMessageBytes (ws closes with 1009 beyond it).
 *
 * Slow clients: what a client has not taken yet is bounded by maxBufferedBytes; a client over it is
 * closed with CLOSE_SLOW_CONSUMER (and terminated if it does not close), never buffered without limit.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { timingSafeEqual } from 'node:crypto';
import { merge, map, type Subscription } from 'rxjs';
import { WebSocketServer, WebSocket } from 'ws';
import { Logger } from '@callmos/core';
import { TELEMETRY_TYPES, type TelemetryMessage, type TelemetrySource, type TelemetryType } from './source.js';

const logger = new Logger('server:ws-server');

/** Close code for a client that does not keep up (private range 4000-4999). */
export const CLOSE_SLOW_CONSUMER = 4008;

export interface TelemetryServerOptions {
  /** attach to this HTTP(S) server (upgrade requests on `path`) ... */
  server?: Server;
  /** ... or listen on this port (0: any free one) */
  port?: number;
  /** with `port`: interface to bind; default 127.0.0.1 */
  host?: string;
  /** default '/callmos' */
  path?: string;
  /** required shared secret */
  token: string;
  /** browser origins allowed, e.g. ['https://dash.example.com']; default: any */
  allowedOrigins?: string[];
  /** largest inbound message, bytes; default 4096 */
  maxMessageBytes?: number;
  /** most bytes queued for one client before it is dropped; default 1 MiB */
  maxBufferedBytes?: number;
}

export interface TelemetryServer {
  /** the port listened on (with `port`), else the attached server's */
  readonly port: number;
  readonly path: string;
  /** connected clients now */
  readonly clients: number;
  /** clients dropped for being slow, so far */
  readonly droppedSlowClients: number;
  close(): Promise<void>;
}

interface ClientFilter {
  rooms: Set<string> | null;
  producers: Set<string> | null;
  types: Set<TelemetryType>;
}

function list(value: string | null | undefined): string[] | null {
  if (value === null || value === undefined || value === '') return null;
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

function parseTypes(values: unknown): Set<TelemetryType> {
  if (values === null || values === undefined) return new Set(TELEMETRY_TYPES);
  if (!Array.isArray(values)) throw new Error('types must be a list');
  const bad = values.filter((t) => !TELEMETRY_TYPES.includes(t as TelemetryType));
  if (bad.length) throw new Error(`unknown types ${bad.join(', ')} (known: ${TELEMETRY_TYPES.join(', ')})`);
  return new Set(values as TelemetryType[]);
}

function matches(f: ClientFilter, m: TelemetryMessage): boolean {
  if (!f.types.has(m.type)) return false;
  if (f.rooms && !f.rooms.has(m.room)) return false;
  if (f.producers) {
    if (m.type === 'score') return f.producers.has(m.data.streamId);
    if (m.type === 'alert') return f.producers.has(m.data.producerId);
  }
  return true;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
}

export async function serveTelemetry(sources: TelemetrySource | TelemetrySource[], options: TelemetryServerOptions): Promise<TelemetryServer> {
  if (typeof options.token !== 'string' || options.token.length < 8) throw new RangeError('serveTelemetry needs a token of at least 8 characters');
  if (!options.server === (options.port === undefined)) throw new RangeError('serveTelemetry needs exactly one of server or port');
  const path = options.path ?? '/callmos';
  const maxBuffered = options.maxBufferedBytes ?? 1 << 20;
  const origins = options.allowedOrigins ? new Set(options.allowedOrigins) : null;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? 4096 });
  const filters = new Map<WebSocket, ClientFilter>();
  let dropped = 0;

  const ownServer = options.server ? undefined : createServer((_, res) => res.writeHead(426).end('WebSocket only\n'));
  const server = options.server ?? ownServer!;

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== path) return; // someone else's upgrade (the attached server may serve others)
    const origin = req.headers.origin;
    if (origins && origin !== undefined && !origins.has(origin)) return refuse(socket, 403, 'origin not allowed');
    const auth = req.headers.authorization;
    const presented = auth?.startsWith('Bearer ') ? auth.slice(7) : url.searchParams.get('token') ?? '';
    if (!sameSecret(presented, options.token)) return refuse(socket, 401, 'bad or missing token');
    let filter: ClientFilter;
    try {
      filter = {
        rooms: list(url.searchParams.get('room')) && new Set(list(url.searchParams.get('room'))),
        producers: list(url.searchParams.get('producer')) && new Set(list(url.searchParams.get('producer'))),
        types: parseTypes(list(url.searchParams.get('types'))),
      };
    } catch (err) {
      return refuse(socket, 400, (err as Error).message);
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      filters.set(ws, filter);
      ws.on('message', (data) => onClientMessage(ws, data.toString()));
      ws.on('close', () => filters.delete(ws));
      ws.on('error', () => filters.delete(ws));
    });
  };

  const onClientMessage = (ws: WebSocket, text: string) => {
    try {
      const msg = JSON.parse(text) as { type?: unknown; rooms?: unknown; producers?: unknown; types?: unknown };
      if (msg.type !== 'filter') throw new Error('only {"type":"filter", ...} messages are understood');
      const strings = (v: unknown, name: string) => {
        if (v === undefined || v === null) return null;
        if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new Error(`${name} must be a list of strings`);
        return new Set(v as string[]);
      };
      filters.set(ws, { rooms: strings(msg.rooms, 'rooms'), producers: strings(msg.producers, 'producers'), types: parseTypes(msg.types) });
    } catch (err) {
      send(ws, JSON.stringify({ type: 'error', message: (err as Error).message }));
    }
  };

  const send = (ws: WebSocket, json: string) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount + json.length > maxBuffered) {
      dropped++;
      filters.delete(ws);
      ws.close(CLOSE_SLOW_CONSUMER, 'slow consumer: too much telemetry waiting');
      setTimeout(() => ws.terminate(), 1000).unref();
      return;
    }
    ws.send(json);
  };

  const broadcast = (m: TelemetryMessage) => {
    let json: string | undefined;
    for (const [ws, f] of filters) {
      if (!matches(f, m)) continue;
      json ??= JSON.stringify(m);
      send(ws, json);
    }
  };

  const subscriptions: Subscription[] = (Array.isArray(sources) ? sources : [sources]).map((s) =>
    merge(
      s.scores$.pipe(map((data): TelemetryMessage => ({ type: 'score', room: s.room, data }))),
      s.alerts$.pipe(map((data): TelemetryMessage => ({ type: 'alert', room: s.room, data }))),
      s.participants$.pipe(map((data): TelemetryMessage => ({ type: 'participants', room: s.room, data }))),
      s.room$.pipe(map((data): TelemetryMessage => ({ type: 'room', room: s.room, data }))),
    ).subscribe({
      next: broadcast,
      // The source errors when its monitor fails (the app hears that from the monitor): its feed stops.
      error: (err: unknown) => logger.warn(`room ${s.room}: telemetry source failed, its WebSocket feed stops: ${String(err)}`),
    }),
  );

  server.on('upgrade', onUpgrade);
  if (ownServer) {
    await new Promise<void>((resolve, reject) => {
      ownServer.once('error', reject);
      ownServer.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
    });
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    path,
    get clients() {
      return filters.size;
    },
    get droppedSlowClients() {
      return dropped;
    },
    async close() {
      for (const s of subscriptions) s.unsubscribe();
      server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      if (ownServer) await new Promise<void>((resolve) => ownServer.close(() => resolve()));
    },
  };
}
