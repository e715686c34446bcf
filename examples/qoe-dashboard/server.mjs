#!/usr/bin/env node
/**
 * callmos live demo: a mediasoup room with simulated participants, scored live by @callmos/server, and a
 * QoE dashboard page (one MOS line per participant, bands, dimensions, network MOS, alert feed).
 *
 *   npm start                                   (at the repo root, after npm install && npm run build)
 *   node examples/qoe-dashboard/server.mjs [--port 8080] [--host 127.0.0.1] [--model small|tiny|PATH]
 *        [--phase-seconds 12] [--webhook URL]
 *
 * One HTTP server carries everything: the page and its files (uPlot from node_modules, no CDN), the
 * telemetry WebSocket (/callmos, serveTelemetry) and Prometheus metrics (/metrics, metricsHandler).
 * Ctrl-C stops the ffmpeg senders, the monitor, the mediasoup worker and the server, then exits 0.
 * A start that cannot work (port in use, no mediasoup worker, no model, no ffmpeg) says why and exits 1.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_QUALITY_CONFIG } from '@callmos/core';
import { ffmpegPath } from '../lib/ffmpeg.mjs';
import { speechSource } from '../lib/speech.mjs';
import { staticFiles } from '../lib/static-files.mjs';
import { OPUS } from '../lib/plain-producer.mjs';
import { PHASES, startDemoRoom } from './demo-room.mjs';
import { postAlertsToWebhook } from '../alerting/webhook.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOM = 'demo';
/**
 * The alert rule the demo runs with (shown on the page): smoothed MOS below 3.0 for 3 s raises, back at
 * threshold + core's margin (its hysteresis, 0.1) for 3 s clears. With a 2 s EMA and 4 s windows this fires a few
 * seconds into a noisy or lossy phase and clears a few seconds after it ends, inside the first minute.
 * A production rule would wait longer (core's default: band poor for 5 s) to page less on blips.
 */
const ALERT = { threshold: 3.0, seconds: 3, clearSeconds: 3 };
const QUALITY = { timeConstantSec: 2 };

/** @param {string} message @returns {never} */
function fail(message) {
  console.error(`callmos demo: ${message}`);
  process.exit(1);
}

const USAGE = `usage: node examples/qoe-dashboard/server.mjs [--port 8080] [--host 127.0.0.1] [--model small|tiny|PATH] [--phase-seconds 12] [--webhook URL]`;
/** @type {{ port: string, host: string, model?: string, 'phase-seconds': string, webhook?: string, help?: boolean }} */
let args;
try {
  args = /** @type {any} */ (
    parseArgs({
      options: {
        port: { type: 'string', default: process.env.PORT ?? '8080' },
        host: { type: 'string', default: '127.0.0.1' },
        model: { type: 'string' },
        // shorter phases make the whole script (and the acceptance test) run faster; see examples/README.md
        'phase-seconds': { type: 'string', default: process.env.CALLMOS_DEMO_PHASE_SECONDS ?? '12' },
        webhook: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values
  );
} catch (err) {
  console.error(`callmos demo: ${/** @type {Error} */ (err).message}\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const port = Number(args.port);
const phaseSeconds = Number(args['phase-seconds']);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0..65535, got ${args.port}`);
if (!(phaseSeconds >= 5)) fail(`--phase-seconds must be at least 5 (a score window is 4 s), got ${args['phase-seconds']}`);
if (!ffmpegPath) fail('ffmpeg is not installed: the simulated participants are ffmpeg processes (apt-get install ffmpeg)');

// The packages' built code (npm run build); imported here so that a missing build gets a clear message.
/** @type {typeof import('mediasoup')} */
let mediasoup;
/** @type {typeof import('@callmos/server')} */
let callmos;
try {
  mediasoup = await import('mediasoup');
  callmos = await import('@callmos/server');
} catch (err) {
  fail(`cannot load @callmos/server or mediasoup (${/** @type {Error} */ (err).message}); run \`npm install && npm run build\` first`);
}

/** @type {import('mediasoup/types').Worker | undefined} */
let worker;
/** @type {import('@callmos/server').QualityMonitor | undefined} */
let qm;
/** @type {import('@callmos/server').TelemetryServer | undefined} */
let telemetry;
/** @type {import('@callmos/server').MetricsHandler | undefined} */
let metrics;
/** @type {import('./demo-room.mjs').DemoRoom | undefined} */
let room;
/** @type {import('rxjs').Subscription | undefined} */
let webhook;
const token = randomBytes(16).toString('hex');
/** @type {Promise<void> | undefined} */
let stopping;

/** Stops everything this process started, in reverse order; a stop that hangs is cut short. */
function shutdown(/** @type {number} */ code) {
  stopping ??= (async () => {
    const force = setTimeout(() => {
      console.error('callmos demo: shutdown took over 8 s, exiting anyway');
      process.exit(code || 1);
    }, 8000);
    force.unref();
    webhook?.unsubscribe();
    await room?.close().catch((e) => console.error(`callmos demo: stopping the participants: ${e.message}`));
    await telemetry?.close().catch(() => undefined);
    metrics?.close();
    await qm?.close().catch(() => undefined);
    worker?.close();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(() => resolve(undefined)));
    process.exit(code);
  })();
  return stopping;
}

/** @type {Record<string, unknown>} what the page needs to know, at /demo.json */
let demoInfo = {};
/** @type {object[]} */
const recentAlerts = [];
const require = createRequire(import.meta.url);
// The page and its files, all from this origin.
const files = staticFiles({
  '/vendor/uplot/': dirname(require.resolve('uplot')), // uPlot.esm.js, uPlot.min.css
  '/': join(HERE, 'public/'), // index.html, dashboard.mjs, dashboard.css
});
const http = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path === '/demo.json') {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify({ ...demoInfo, recentAlerts }));
  } else if (path === '/metrics' && metrics) {
    metrics(req, res);
  } else {
    if (path === '/') req.url = '/index.html';
    files(req, res);
  }
});
// (the telemetry WebSocket attaches to this server below: serveTelemetry({ server: http }))

process.on('SIGINT', () => {
  if (stopping) process.exit(130); // a second Ctrl-C does not wait
  console.log('\ncallmos demo: stopping');
  void shutdown(0);
});
process.on('SIGTERM', () => void shutdown(0));

// 1. The port first: it is the cheapest thing to find taken.
await new Promise((resolve) => {
  http.once('error', (/** @type {NodeJS.ErrnoException} */ err) => {
    if (err.code === 'EADDRINUSE') fail(`port ${port} on ${args.host} is in use (another demo running?): pass --port N, or --port 0 for any free port`);
    fail(`cannot listen on ${args.host}:${port}: ${err.message}`);
  });
  http.listen(port, args.host, () => resolve(undefined));
});
const actualPort = /** @type {import('node:net').AddressInfo} */ (http.address()).port;
const url = `http://${args.host.includes(':') ? `[${args.host}]` : args.host}:${actualPort}/`;

try {
  // 2. The mediasoup worker (a child process: MEDIASOUP_WORKER_BIN or mediasoup's own build).
  try {
    worker = await mediasoup.createWorker({ logLevel: 'error', rtcMinPort: 40000, rtcMaxPort: 49999 });
  } catch (err) {
    throw new Error(
      `the mediasoup worker did not start (${mediasoup.workerBin}): ${/** @type {Error} */ (err).message}. ` +
        'Reinstall mediasoup (npm install fetches a prebuilt worker) or build it offline: ../shared/tools/mediasoup-offline/ensure-worker.sh .',
    );
  }
  worker.on('died', (err) => {
    console.error(`callmos demo: the mediasoup worker died (${err.message}); stopping`);
    void shutdown(1);
  });
  const router = await worker.createRouter({ mediaCodecs: [OPUS], appData: { room: ROOM } });

  // 3. The monitor loads the model (the largest shipped one unless --model says otherwise).
  qm = await callmos.attachQualityMonitor(router, {
    worker,
    model: args.model,
    alert: ALERT,
    quality: QUALITY,
    networkStatsIntervalMs: 1000,
    log: (line) => console.log(line),
  });
  telemetry = await callmos.serveTelemetry(qm, {
    server: http,
    token,
    // the page is served from here; no other site's pages may read the telemetry
    allowedOrigins: [`http://127.0.0.1:${actualPort}`, `http://localhost:${actualPort}`, url.replace(/\/$/, '')],
  });
  metrics = callmos.metricsHandler(qm);
  qm.alerts$.subscribe((a) => {
    console.log(`alert ${a.kind}: ${a.appData.name ?? a.producerId} (MOS ${a.mos.toFixed(2)}, ${a.reason})`);
    // the latest alerts, for a page opened later (the WebSocket only carries what happens from then on)
    recentAlerts.push({ ...a, receivedAt: Date.now() });
    if (recentAlerts.length > 50) recentAlerts.shift();
  });
  if (args.webhook) {
    webhook = postAlertsToWebhook(qm.alerts$, args.webhook, { onSent: (status, a) => console.log(`webhook: posted ${a.kind} (${status})`) });
  }

  // 4. The simulated participants.
  console.log(`callmos demo: making the participants' clips (speech: ${speechSource}, phases of ${phaseSeconds} s)`);
  if (!speechSource.startsWith('librispeech')) {
    console.log(
      'callmos demo: note: without ../shared the participants read the TTS fixture; synthetic speech scores about 2.4 even ' +
        'when clean, below the alert threshold, so the "clean" lines sit low. Clone the repo beside ../shared for read speech.',
    );
  }
  room = await startDemoRoom(router, {
    phaseSeconds,
    onSenderError: (name, message) => !stopping && console.error(`callmos demo: ${name}'s sender stopped: ${message}`),
  });
  demoInfo = {
    room: ROOM,
    model: qm.backend.model,
    provider: qm.backend.provider,
    // The page reads its telemetry token from its own server. In an app, the token comes with your login.
    token,
    alert: { ...ALERT, clearAt: ALERT.threshold + DEFAULT_QUALITY_CONFIG.hysteresis },
    quality: QUALITY,
    phaseSeconds,
    startedAt: room.startedAt,
    phases: Object.fromEntries(Object.entries(PHASES).map(([k, v]) => [k, v.label])),
    participants: room.participants.map((p) => ({ name: p.name, producerId: p.producerId, script: p.script })),
    speech: speechSource,
  };
} catch (err) {
  console.error(`callmos demo: ${/** @type {Error} */ (err).message}`);
  await shutdown(1);
}

console.log(`callmos demo: dashboard at ${url}  (metrics at ${url}metrics; Ctrl-C stops)`);
