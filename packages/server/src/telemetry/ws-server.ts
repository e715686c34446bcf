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
 * Other upgrade requests: on its own port, or on an attached server with no other 'upgrade' listener,
 * a request for another path (or one whose target is not a URL path) is answered 404 (400) and closed.
 * When the app's server has upgrade handlers of its own, those requests are left to them
 * (`otherUpgrades`). Every 'upgrade' listener sees every request, so a shared server only works with
 * handlers that leave other paths alone, like this one (ws with noServer and a path check). ws's own
 * `{ server, path }` mode answers 400 to every other path, and mediasoup-demo's protoo-server rejects
 * requests without its roomId/peerId: beside those, give the telemetry its own `port`.
 *
 * Slow and dead clients: what a client has not taken yet is bounded by maxBufferedBytes; a client over
 * it is closed with CLOSE_SLOW_CONSUMER (and terminated if it does not close), never buffered without
 * limit. Clients are pinged every heartbeatMs; one that has not answered the previous ping is terminated.
 *
 * History: a client whose types include 'history' (the default) gets, when it connects and when it changes
 * its filter, one {type:'history'} message per room it follows: the last `history.seconds` (default 600)
 * of each producer's smoothed MOS, the last alerts, the latest participants and room state
 * (room-history.ts says how it is bounded), so a dashboard opened mid-call is full at once.
 *
 * Monitors that stop: every client of the room is sent {type:'monitor', data:{state:'down'|'closed'}};
 * a client that follows no live monitor any more is closed (CLOSE_MONITOR_DOWN after an error, 1001
 * after a deliberate close), and so is one that connects later for such a room.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { merge, map, type Subscription } from 'rxjs';
import { WebSocketServer, WebSocket } from 'ws';
import { Logger } from '@callmos/core';
import { HistorySender } from './history-sender.js';
import { TelemetryHistory, type HistoryOptions } from './room-history.js';
import type { MonitorStatus, TelemetryMessage, TelemetrySource } from './source.js';
import {
  filterFromMessage,
  filterFromQuery,
  matches,
  presentedToken,
  refuse,
  requestTarget,
  sameSecret,
  UPGRADE_REFUSALS,
  type ClientFilter,
  type UpgradeRefusal,
} from './upgrade-request.js';

const logger = new Logger('server:ws-server');

/** Close code for a client that does not keep up (private range 4000-4999). */
export const CLOSE_SLOW_CONSUMER = 4008;
/** Close code for a client whose monitors are all down (their observables errored: the worker died). */
export const CLOSE_MONITOR_DOWN = 4011;

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
  /** ping interval, ms; a client that misses a ping is terminated; default 30000, 0 = no heartbeat */
  heartbeatMs?: number;
  /**
   * upgrade requests for another path: 'auto' (default) refuses them (404) unless the server has other
   * 'upgrade' listeners at that moment; 'refuse' always; 'leave' never (the app answers them)
   */
  otherUpgrades?: 'auto' | 'refuse' | 'leave';
  /** where unexpected errors of the server itself are reported (also counted); default console.error */
  log?: (line: string) => void;
  /** what a connecting client is sent of the past (default the last 10 minutes; `{ seconds: 0 }`: nothing) */
  history?: HistoryOptions;
}

/** Why the server closed a client (a fixed set: metrics labels). */
export type ClientDrop = 'slow' | 'unresponsive' | 'monitor-down';
export const CLIENT_DROPS: readonly ClientDrop[] = ['slow', 'unresponsive', 'monitor-down'];

export interface TelemetryServerStats {
  /** upgrade requests answered with an HTTP error, by why */
  refused: Record<UpgradeRefusal, number>;
  /** clients closed by the server, by why */
  dropped: Record<ClientDrop, number>;
  /**
   * client messages refused: answered with {type:'error'} (not JSON, not a filter, bad fields), or
   * frames over maxMessageBytes or breaking the protocol (ws closes those clients: 1009, 1002)
   */
  badMessages: number;
  /** errors on sockets this server handled (a client resetting mid-answer, ...) */
  socketErrors: number;
  /** events that could not be sent because JSON.stringify threw (an appData with a cycle or a BigInt) */
  unserializable: number;
}

export interface TelemetryServer {
  /** the port listened on (with `port`), else the attached server's */
  readonly port: number;
  readonly path: string;
  /** connected clients now */
  readonly clients: number;
  /** clients dropped for being slow, so far (stats.dropped.slow) */
  readonly droppedSlowClients: number;
  /** counters since the start (a snapshot) */
  readonly stats: TelemetryServerStats;
  close(): Promise<void>;
}

/** Close reasons are at most 123 bytes (RFC 6455 5.5). */
function closeReason(text: string): string {
  let out = text;
  while (Buffer.byteLength(out) > 123) out = out.slice(0, -2) + '…';
  return out;
}

export async function serveTelemetry(sources: TelemetrySource | TelemetrySource[], options: TelemetryServerOptions): Promise<TelemetryServer> {
  if (typeof options.token !== 'string' || options.token.length < 8) throw new RangeError('serveTelemetry needs a token of at least 8 characters');
  if (!options.server === (options.port === undefined)) throw new RangeError('serveTelemetry needs exactly one of server or port');
  const path = options.path ?? '/callmos';
  const maxBuffered = options.maxBufferedBytes ?? 1 << 20;
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  const otherUpgrades = options.otherUpgrades ?? 'auto';
  const log = options.log ?? console.error;
  const origins = options.allowedOrigins ? new Set(options.allowedOrigins) : null;
  const sourceList = Array.isArray(sources) ? sources : [sources];
  const history = new TelemetryHistory(options.history);
  const historyFor = new HistorySender(history, [...new Set(sourceList.map((s) => s.room))], maxBuffered / 2, (err) => {
    // an alert's appData with a cycle or a BigInt: counted and skipped, as broadcast() does
    if (stats.unserializable++ === 0) log(`callmos telemetry: a history message cannot be sent (counted; later ones too): ${err.message}`);
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? 4096 });
  const filters = new Map<WebSocket, ClientFilter>();
  const answered = new WeakSet<WebSocket>(); // answered the last heartbeat ping
  /** per source (same index as sourceList): why it stopped; absent while it runs */
  const stopped = new Map<number, MonitorStatus>();
  const stats: TelemetryServerStats = {
    refused: Object.fromEntries(UPGRADE_REFUSALS.map((r) => [r, 0])) as Record<UpgradeRefusal, number>,
    dropped: Object.fromEntries(CLIENT_DROPS.map((r) => [r, 0])) as Record<ClientDrop, number>,
    badMessages: 0,
    socketErrors: 0,
    unserializable: 0,
  };

  const ownServer = options.server ? undefined : createServer((_, res) => res.writeHead(426).end('WebSocket only\n'));
  const server = options.server ?? ownServer!;
  // Accept errors (EMFILE when descriptors run out) are emitted on the server: without a listener they
  // would end the process. The app owns an attached server's errors.
  ownServer?.on('error', (err) => log(`callmos telemetry: server error: ${err.message}`));

  const onSocketError = () => void stats.socketErrors++; // counted; the socket is closed by the error itself

  const refuseCounted = (socket: Duplex, why: UpgradeRefusal, text: string) => {
    stats.refused[why]++;
    refuse(socket, why, text);
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      handleUpgrade(req, socket, head);
    } catch (err) {
      // A bug here must not end the process (with an attached server, the whole SFU).
      log(`callmos telemetry: upgrade failed: ${(err as Error).stack ?? String(err)}`);
      socket.on('error', onSocketError);
      refuseCounted(socket, 'internal', 'internal error');
    }
  };

  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const target = requestTarget(req.url);
    if (target === null || target.pathname !== path) {
      // Someone else's upgrade, unless no one else is listening (then nobody would ever answer it).
      const others = server.listenerCount('upgrade') > 1;
      if (otherUpgrades === 'leave' || (otherUpgrades === 'auto' && others)) return;
      socket.on('error', onSocketError);
      return target === null ? refuseCounted(socket, 'bad-request', 'request target is not a URL path') : refuseCounted(socket, 'not-found', 'not found');
    }
    socket.on('error', onSocketError); // before anything is written: a reset mid-answer is an 'error'
    const origin = req.headers.origin;
    if (origins && origin !== undefined && !origins.has(origin)) return refuseCounted(socket, 'origin', 'origin not allowed');
    if (!sameSecret(presentedToken(req, target.query), options.token)) return refuseCounted(socket, 'token', 'bad or missing token');
    let filter: ClientFilter;
    try {
      filter = filterFromQuery(target.query);
    } catch (err) {
      return refuseCounted(socket, 'bad-request', (err as Error).message);
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      socket.off('error', onSocketError); // ws has its own from here
      filters.set(ws, filter);
      answered.add(ws);
      ws.on('message', (data) => onClientMessage(ws, data.toString()));
      ws.on('pong', () => answered.add(ws));
      ws.on('close', () => filters.delete(ws));
      ws.on('error', () => (stats.badMessages++, filters.delete(ws))); // ws emits protocol errors only; it closes the client
      sendHistory(ws);
      closeIfFollowsNoLiveMonitor(ws, true);
    });
  };

  const onClientMessage = (ws: WebSocket, text: string) => {
    if (!filters.has(ws)) return; // being closed
    try {
      filters.set(ws, filterFromMessage(text));
    } catch (err) {
      stats.badMessages++;
      send(ws, JSON.stringify({ type: 'error', message: (err as Error).message }));
      return;
    }
    sendHistory(ws);
    closeIfFollowsNoLiveMonitor(ws, true);
  };

  const sendHistory = (ws: WebSocket) => {
    const filter = filters.get(ws);
    if (!filter) return;
    for (const json of historyFor.messages(ws, filter)) send(ws, json);
  };

  const drop = (ws: WebSocket, why: ClientDrop, code: number, reason: string) => {
    stats.dropped[why]++;
    filters.delete(ws);
    ws.close(code, closeReason(reason));
    setTimeout(() => ws.terminate(), 1000).unref(); // a client that does not answer the close
  };

  const send = (ws: WebSocket, json: string) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount + json.length > maxBuffered) return drop(ws, 'slow', CLOSE_SLOW_CONSUMER, 'slow consumer: too much telemetry waiting');
    ws.send(json);
  };

  const broadcast = (m: TelemetryMessage) => {
    let json: string | undefined;
    for (const [ws, f] of filters) {
      if (!matches(f, m)) continue;
      try {
        json ??= JSON.stringify(m);
      } catch (err) {
        // Thrown here, it would reach RxJS as a subscriber error and end the process: count, say, skip it.
        if (stats.unserializable++ === 0) log(`callmos telemetry: a ${m.type} event cannot be sent (counted; later ones too): ${(err as Error).message}`);
        return;
      }
      send(ws, json);
    }
  };

  /**
   * Closes a client once every source it follows has stopped (a client following none is left alone).
   * `tell`: send it those sources' status first (it connected or changed its filter after the broadcast).
   */
  const closeIfFollowsNoLiveMonitor = (ws: WebSocket, tell: boolean) => {
    const filter = filters.get(ws);
    if (!filter || stopped.size === 0) return;
    const followed = sourceList.flatMap((s, i) => (!filter.rooms || filter.rooms.has(s.room) ? [{ room: s.room, status: stopped.get(i) }] : []));
    if (tell) for (const { room, status } of followed) if (status) send(ws, JSON.stringify({ type: 'monitor', room, data: status }));
    if (followed.length === 0 || followed.some(({ status }) => !status) || !filters.has(ws)) return;
    const down = followed.find(({ status }) => status!.state === 'down');
    if (down) return drop(ws, 'monitor-down', CLOSE_MONITOR_DOWN, `monitor of room ${down.room} is down: ${down.status!.reason}`);
    filters.delete(ws);
    ws.close(1001, 'monitor closed');
  };

  const onSourceStopped = (index: number, status: MonitorStatus) => {
    if (stopped.has(index)) return;
    stopped.set(index, status);
    broadcast({ type: 'monitor', room: sourceList[index]!.room, data: status });
    for (const ws of [...filters.keys()]) closeIfFollowsNoLiveMonitor(ws, false);
  };

  const subscriptions: Subscription[] = sourceList.map((s, index) =>
    merge(
      s.scores$.pipe(map((data): TelemetryMessage => ({ type: 'score', room: s.room, data }))),
      s.alerts$.pipe(map((data): TelemetryMessage => ({ type: 'alert', room: s.room, data }))),
      s.participants$.pipe(map((data): TelemetryMessage => ({ type: 'participants', room: s.room, data }))),
      s.room$.pipe(map((data): TelemetryMessage => ({ type: 'room', room: s.room, data }))),
    ).subscribe({
      next: (m) => {
        try {
          history.add(m);
        } catch (err) {
          // a bug in the history must cost the history, never the live feed (or, thrown into RxJS, the process)
          log(`callmos telemetry: history failed on a ${m.type} message: ${(err as Error).stack ?? String(err)}`);
        }
        broadcast(m);
      },
      error: (err: unknown) => {
        logger.warn(`room ${s.room}: telemetry source failed; its clients are told and closed: ${String(err)}`);
        onSourceStopped(index, { state: 'down', reason: err instanceof Error ? err.message : String(err), at: Date.now() });
      },
      complete: () => onSourceStopped(index, { state: 'closed', reason: 'monitor closed', at: Date.now() }),
    }),
  );

  const heartbeat =
    heartbeatMs > 0
      ? setInterval(() => {
          for (const ws of wss.clients) {
            if (!answered.has(ws)) {
              if (filters.has(ws)) stats.dropped.unresponsive++;
              filters.delete(ws);
              ws.terminate();
              continue;
            }
            answered.delete(ws);
            ws.ping();
          }
        }, heartbeatMs)
      : undefined;
  heartbeat?.unref();

  server.on('upgrade', onUpgrade);
  if (ownServer) {
    await new Promise<void>((resolve, reject) => {
      ownServer.once('error', reject);
      ownServer.listen(options.port, options.host ?? '127.0.0.1', () => (ownServer.off('error', reject), resolve()));
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
      return stats.dropped.slow;
    },
    get stats() {
      return { ...stats, refused: { ...stats.refused }, dropped: { ...stats.dropped } };
    },
    async close() {
      clearInterval(heartbeat);
      for (const s of subscriptions) s.unsubscribe();
      server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      if (ownServer) await new Promise<void>((resolve) => ownServer.close(() => resolve()));
    },
  };
}
