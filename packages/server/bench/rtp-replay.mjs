/**
 * The load generator of the scale bench: N callers from one process. Real libopus packets (a clip encoded
 * once by ffmpeg, 48 kHz, 20 ms, VoIP mode, as WebRTC sends) are replayed as RTP over UDP to N mediasoup
 * PlainTransports in real time, each stream with its own SSRC, sequence numbers and timestamps, and starting
 * offset (streams are staggered over one hop, as independent callers would be). One UDP socket and one
 * drift-corrected 20 ms tick send every stream's due packets, so a few hundred streams cost this process a
 * few percent of a core instead of one ffmpeg each: the sender is not the bottleneck.
 *
 *   node packages/server/bench/rtp-replay.mjs PACKETS_FILE SECONDS STAGGER_MS PORT:SSRC [PORT:SSRC ...]
 *
 * PACKETS_FILE holds the Opus packets, each a 2-byte big-endian length then the bytes (streams.ts writes
 * it). Prints one JSON line at the end: packets sent, the worst tick lateness, the CPU seconds it used.
 * The clip is looped when SECONDS is longer than it.
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';

const [file, secondsArg, staggerArg, ...targets] = process.argv.slice(2);
if (!file || !secondsArg || targets.length === 0) {
  console.error('usage: rtp-replay.mjs PACKETS_FILE SECONDS STAGGER_MS PORT:SSRC [PORT:SSRC ...]');
  process.exit(2);
}
const FRAME_MS = 20;
const SAMPLES_PER_FRAME = 960; // 20 ms at Opus's 48 kHz RTP clock
const PAYLOAD_TYPE = 100;

function readPackets(path) {
  const bytes = readFileSync(path);
  const packets = [];
  for (let at = 0; at + 2 <= bytes.length; ) {
    const length = bytes.readUInt16BE(at);
    packets.push(bytes.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
  if (packets.length === 0) throw new Error(`${path}: no packets`);
  return packets;
}

const packets = readPackets(file);
const frames = Math.round((Number(secondsArg) * 1000) / FRAME_MS);
const staggerMs = Number(staggerArg);
const streams = targets.map((t, i) => {
  const [port, ssrc] = t.split(':').map(Number);
  // each stream starts at its own point of the clip and its own random sequence/timestamp origin
  return { port, ssrc, startMs: (i * staggerMs) / targets.length, sent: 0, seq: (ssrc * 7919) & 0xffff, ts: (ssrc * 104729) >>> 0, offset: (i * 37) % packets.length };
});

function rtp(stream) {
  const payload = packets[(stream.offset + stream.sent) % packets.length];
  const out = Buffer.allocUnsafe(12 + payload.length);
  out[0] = 0x80; // V=2, no padding, no extension, no CSRC
  out[1] = PAYLOAD_TYPE | (stream.sent === 0 ? 0x80 : 0); // marker on the first packet of a talkspurt
  out.writeUInt16BE(stream.seq, 2);
  out.writeUInt32BE(stream.ts, 4);
  out.writeUInt32BE(stream.ssrc, 8);
  payload.copy(out, 12);
  stream.seq = (stream.seq + 1) & 0xffff;
  stream.ts = (stream.ts + SAMPLES_PER_FRAME) >>> 0;
  stream.sent++;
  return out;
}

const socket = createSocket('udp4');
const t0 = performance.now();
let worstLateMs = 0;
let total = 0;

function tick() {
  const now = performance.now() - t0;
  let pending = false;
  for (const s of streams) {
    // every packet due by now goes out (a late tick catches up instead of stretching the stream)
    while (s.sent < frames && s.startMs + s.sent * FRAME_MS <= now) {
      worstLateMs = Math.max(worstLateMs, now - (s.startMs + s.sent * FRAME_MS));
      socket.send(rtp(s), s.port, '127.0.0.1');
      total++;
    }
    if (s.sent < frames) pending = true;
  }
  if (!pending) return finish();
  const next = Math.min(...streams.filter((s) => s.sent < frames).map((s) => s.startMs + s.sent * FRAME_MS));
  setTimeout(tick, Math.max(0, next - (performance.now() - t0)));
}

function finish() {
  const cpu = process.cpuUsage();
  socket.close(() => {
    console.log(JSON.stringify({ streams: streams.length, packets: total, worstLateMs, cpuSeconds: (cpu.user + cpu.system) / 1e6, seconds: (performance.now() - t0) / 1000 }));
  });
}

tick();
