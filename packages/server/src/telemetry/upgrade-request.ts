/**
 * The HTTP side of the telemetry WebSocket: reading an upgrade request (which path, which token, which
 * filter) and answering the ones that are refused. Everything here comes from the network unchecked, so
 * nothing throws: a request that cannot be read is a refusal with its reason, like a wrong token.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { timingSafeEqual } from 'node:crypto';
import { TELEMETRY_TYPES, type TelemetryMessage, type TelemetryType } from './source.js';

/** Why an upgrade request was answered with an HTTP error instead of a WebSocket (a fixed set: metrics labels). */
export type UpgradeRefusal = 'bad-request' | 'not-found' | 'origin' | 'token' | 'internal';
export const UPGRADE_REFUSALS: readonly UpgradeRefusal[] = ['bad-request', 'not-found', 'origin', 'token', 'internal'];

const STATUS: Readonly<Record<UpgradeRefusal, string>> = {
  'bad-request': '400 Bad Request',
  'not-found': '404 Not Found',
  origin: '403 Forbidden',
  token: '401 Unauthorized',
  internal: '500 Internal Server Error',
};

export interface ClientFilter {
  rooms: Set<string> | null;
  producers: Set<string> | null;
  types: Set<TelemetryType>;
}

/** The request target's path and query, or null when it is not an origin-form or absolute URL (e.g. `//a:b/`). */
export function requestTarget(raw: string | undefined): { pathname: string; query: URLSearchParams } | null {
  try {
    const url = new URL(raw ?? '/', 'http://localhost');
    return { pathname: url.pathname, query: url.searchParams };
  } catch {
    return null; // the caller refuses it with 400: counted there
  }
}

function list(value: string | null): string[] | null {
  if (value === null || value === '') return null;
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

export function parseTypes(values: unknown): Set<TelemetryType> {
  if (values === null || values === undefined) return new Set(TELEMETRY_TYPES);
  if (!Array.isArray(values)) throw new Error('types must be a list');
  const bad = values.filter((t) => !TELEMETRY_TYPES.includes(t as TelemetryType));
  if (bad.length) throw new Error(`unknown types ${bad.join(', ')} (known: ${TELEMETRY_TYPES.join(', ')})`);
  return new Set(values as TelemetryType[]);
}

/** The filter of `?room=a,b&producer=…&types=…`; throws (a 400) for unknown types. */
export function filterFromQuery(query: URLSearchParams): ClientFilter {
  const rooms = list(query.get('room'));
  const producers = list(query.get('producer'));
  return { rooms: rooms && new Set(rooms), producers: producers && new Set(producers), types: parseTypes(list(query.get('types'))) };
}

/** The filter of a client's {"type":"filter", rooms?, producers?, types?} message; throws with what is wrong. */
export function filterFromMessage(text: string): ClientFilter {
  const msg = JSON.parse(text) as { type?: unknown; rooms?: unknown; producers?: unknown; types?: unknown } | null;
  if (msg === null || typeof msg !== 'object' || msg.type !== 'filter') throw new Error('only {"type":"filter", ...} messages are understood');
  const strings = (v: unknown, name: string) => {
    if (v === undefined || v === null) return null;
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new Error(`${name} must be a list of strings`);
    return new Set(v as string[]);
  };
  return { rooms: strings(msg.rooms, 'rooms'), producers: strings(msg.producers, 'producers'), types: parseTypes(msg.types) };
}

/** Whether a message is for a client. Monitor status goes to every client of its room, whatever the types. */
export function matches(f: ClientFilter, m: TelemetryMessage): boolean {
  if (f.rooms && !f.rooms.has(m.room)) return false;
  if (m.type === 'monitor') return true;
  if (!f.types.has(m.type)) return false;
  if (f.producers) {
    if (m.type === 'score') return f.producers.has(m.data.streamId);
    if (m.type === 'alert') return f.producers.has(m.data.producerId);
  }
  return true;
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The token of `Authorization: Bearer …`, else of `?token=`. */
export function presentedToken(req: IncomingMessage, query: URLSearchParams): string {
  const auth = req.headers.authorization;
  return auth?.startsWith('Bearer ') ? auth.slice(7) : (query.get('token') ?? '');
}

/**
 * Answers with an HTTP error and closes the connection once the answer is written (the http server keeps
 * half-open sockets, so ending our side alone would hold the descriptor until the client closes its own).
 */
export function refuse(socket: Duplex, why: UpgradeRefusal, text: string): void {
  const body = `${text}\n`;
  if (!socket.writable) return void socket.destroy();
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${STATUS[why]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
