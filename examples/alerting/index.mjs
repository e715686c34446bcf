#!/usr/bin/env node
/**
 * Alerting example: page someone when a participant sounds degraded. A mediasoup room is monitored
 * by @callmos/server; every alert of `alerts$` (raised, then cleared) is POSTed as JSON to a webhook.
 *
 *   node examples/alerting/index.mjs                      posts to a local receiver that prints them
 *   node examples/alerting/index.mjs --webhook URL        posts to your webhook instead
 *
 * The room is the dashboard demo's (simulated participants whose audio gets noisy, lossy, then fine);
 * in your SFU, attach the monitor to your own router and keep the three lines marked "the part to copy".
 */
import { parseArgs } from 'node:util';
import * as mediasoup from 'mediasoup';
import { attachQualityMonitor } from '@callmos/server';
import { OPUS } from '../lib/plain-producer.mjs';
import { startDemoRoom } from '../qoe-dashboard/demo-room.mjs';
import { postAlertsToWebhook } from './webhook.mjs';
import { startReceiver } from './receiver.mjs';

const { values: args } = parseArgs({
  options: {
    webhook: { type: 'string' },
    model: { type: 'string' },
    'phase-seconds': { type: 'string', default: '12' },
  },
});

const receiver = args.webhook ? null : await startReceiver();
const webhookUrl = args.webhook ?? /** @type {{ url: string }} */ (receiver).url;

const worker = await mediasoup.createWorker({ logLevel: 'error' });
const router = await worker.createRouter({ mediaCodecs: [OPUS], appData: { room: 'standup' } });

// --- the part to copy: a monitor with your alert rule, and its alerts posted to your webhook ---------
const qm = await attachQualityMonitor(router, { worker, model: args.model, alert: { threshold: 3.0, seconds: 3, clearSeconds: 3 } });
const posting = postAlertsToWebhook(qm.alerts$, webhookUrl, {
  onSent: (status, alert) => console.log(`posted ${alert.kind} for ${alert.appData.name} (HTTP ${status})`),
});
// ------------------------------------------------------------------------------------------------------

const room = await startDemoRoom(router, { phaseSeconds: Number(args['phase-seconds']) });
console.log(`alerting example: ${room.participants.length} participants in room "standup", alerts go to ${webhookUrl}; Ctrl-C stops`);

let stopping = false;
process.on('SIGINT', async () => {
  if (stopping) process.exit(130);
  stopping = true;
  posting.unsubscribe();
  await room.close();
  await qm.close();
  worker.close();
  await receiver?.close();
  process.exit(0);
});
