/**
 * The soak's load generator, in a worker thread so the monitor's work on the main thread cannot delay its
 * clock: every stream sends its next pre-encoded Opus packet as RTP each 20 ms of wall time (catching up
 * in a burst after a stall), over one UDP socket to its PlainTransport. Impairments follow each stream's
 * plan: during a loss burst a packet is dropped with the burst's probability; during a reorder spell a
 * packet may be held back and sent after the next one.
 */
import { createSocket } from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';

const PACKET_MS = 20;
const SAMPLES_PER_PACKET = 960;
/** at most this many packets per stream per tick when catching up */
const MAX_BURST = 50;

/** @type {Uint8Array[][]} */
const clips = workerData.clips.map((/** @type {ArrayBuffer[]} */ c) => c.map((b) => new Uint8Array(b)));
const socket = createSocket('udp4');
/** @type {Map<string, any>} */
const streams = new Map();

/** xorshift32: each stream's impairments repeat with its seed */
function prng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

const inSpell = (spells, t) => spells.some(([from, to]) => t >= from && t < to);

function packet(s, index) {
  const payload = s.clip[(s.offset + index) % s.clip.length];
  const out = Buffer.allocUnsafe(12 + payload.length);
  out[0] = 0x80;
  out[1] = (index === 0 ? 0x80 : 0) | s.payloadType;
  out.writeUInt16BE((s.seq0 + index) & 0xffff, 2);
  out.writeUInt32BE((s.ts0 + index * SAMPLES_PER_PACKET) >>> 0, 4);
  out.writeUInt32BE(s.ssrc >>> 0, 8);
  out.set(payload, 12);
  return out;
}

function send(s, bytes) {
  socket.send(bytes, s.port, '127.0.0.1');
  s.stats.delivered++;
}

function step(s) {
  const index = s.stats.slots++;
  const t = index * PACKET_MS;
  const bytes = packet(s, index);
  if (inSpell(s.plan.loss, t) && s.random() < s.plan.lossRate) {
    s.stats.lost++;
    return;
  }
  if (s.held === null && inSpell(s.plan.reorder, t) && s.random() < s.plan.reorderRate) {
    s.held = bytes; // goes out after the next packet
    return;
  }
  send(s, bytes);
  if (s.held !== null) {
    send(s, s.held);
    s.held = null;
    s.stats.reordered++;
  }
}

function tick() {
  const now = performance.now();
  for (const s of streams.values()) {
    let burst = 0;
    while (s.next <= now && burst < MAX_BURST) {
      step(s);
      s.next += PACKET_MS;
      burst++;
    }
    s.stats.maxLagMs = Math.max(s.stats.maxLagMs, now - s.next);
  }
}

parentPort.on('message', (m) => {
  if (m.type === 'add') {
    const now = performance.now();
    streams.set(m.id, {
      ...m,
      clip: clips[m.clip % clips.length],
      random: prng(m.seed),
      held: null,
      next: now,
      stats: { startedAt: Date.now(), slots: 0, delivered: 0, lost: 0, reordered: 0, maxLagMs: 0 },
    });
  } else if (m.type === 'remove') {
    const s = streams.get(m.id);
    streams.delete(m.id);
    if (s?.held) send(s, s.held);
    parentPort.postMessage({ type: 'removed', id: m.id, stats: s ? { ...s.stats, seconds: (s.stats.slots * PACKET_MS) / 1000 } : null });
  } else if (m.type === 'stop') {
    clearInterval(timer);
    socket.close();
    parentPort.close();
  }
});

const timer = setInterval(tick, 5);
