/**
 * A real mediasoup worker for the tests (built offline by ../shared/tools/mediasoup-offline when there is
 * no prebuilt one), PlainTransport producers fed by ffmpeg over RTP on 127.0.0.1, and a UDP relay that
 * drops or reorders packets on the way.
 */
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import * as mediasoup from 'mediasoup';
import type { Router, Worker } from 'mediasoup/types';
import { buildRtp } from '../../src/rtp/rtp-packet.js';
import { OPUS } from '../../../../examples/lib/plain-producer.mjs';
import { sendOpusRtp } from '../../../../examples/lib/rtp-sender.mjs';
import { LossyRelay } from '../../../../examples/lib/loss-relay.mjs';

/** The worker binary mediasoup will run (MEDIASOUP_WORKER_BIN or its own build), or null when there is none. */
export function mediasoupWorkerBin(): string | null {
  return existsSync(mediasoup.workerBin) ? mediasoup.workerBin : null;
}

export const workerMissing = mediasoupWorkerBin() === null
  ? 'no mediasoup-worker (run ../shared/tools/mediasoup-offline/ensure-worker.sh .)'
  : null;

export { OPUS, plainOpusProducer, type PlainProducer } from '../../../../examples/lib/plain-producer.mjs';

export async function startWorker(): Promise<Worker> {
  return mediasoup.createWorker({ logLevel: 'error', rtcMinPort: 40000, rtcMaxPort: 49999 });
}

export async function createRouter(worker: Worker, appData: Record<string, unknown> = {}): Promise<Router> {
  return worker.createRouter({ mediaCodecs: [OPUS], appData });
}

/** ffmpeg reading `wav` in real time (-re) and sending libopus RTP (20 ms, 32 kb/s) to 127.0.0.1:port, RTCP to rtcpPort. */
export function ffmpegRtp(wav: string, port: number, rtcpPort: number, ssrc: number): { child: ChildProcess; done: Promise<number | null> } {
  const { child, done } = sendOpusRtp(wav, { port, rtcpPort, ssrc });
  return { child, done };
}

/**
 * A UDP relay on 127.0.0.1: forwards every datagram to `targetPort`, dropping RTP (never RTCP) packets
 * with probability `dropRate` while `dropping` is on. Seeded, so a run is repeatable. (The examples' relay.)
 */
export { LossyRelay };

/** Sends raw datagrams to a port from one socket (random bytes, hand-made RTP). */
export async function udpSender(port: number): Promise<{ send(bytes: Uint8Array): Promise<void>; close(): void }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return {
    send: (bytes) => new Promise<void>((resolve, reject) => socket.send(bytes, port, '127.0.0.1', (err) => (err ? reject(err) : resolve()))),
    close: () => socket.close(),
  };
}

export type UdpSender = Awaited<ReturnType<typeof udpSender>>;

/** Packets [from, to) of a clip as RTP, with the numbering and payloads a test wants. */
export interface RtpRun {
  ssrc: number;
  from: number;
  to: number;
  /** the packet indices in sending order; default from..to-1 */
  order?: number[];
  /** default 100 + i */
  sequence?: (i: number) => number;
  /** default 1000 + i * 960 (20 ms at 48 kHz) */
  timestamp?: (i: number) => number;
  /** default the clip's packet i (cycling) */
  payload?: (i: number) => Uint8Array;
  /** pause after every 4 packets, ms; default 5 (faster than real time, gentle on UDP buffers) */
  pauseMs?: number;
}

/** Sends real Opus packets (`packets`, e.g. from opusPackets) as RTP through `tx`. */
export async function sendRtpRun(tx: UdpSender, packets: Uint8Array[], run: RtpRun): Promise<void> {
  const idx = run.order ?? Array.from({ length: run.to - run.from }, (_, k) => run.from + k);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    const payload = run.payload?.(i) ?? packets[i % packets.length]!;
    const sequenceNumber = (run.sequence?.(i) ?? 100 + i) & 0xffff;
    const timestamp = run.timestamp?.(i) ?? 1000 + i * 960;
    await tx.send(buildRtp({ payloadType: 100, sequenceNumber, timestamp, ssrc: run.ssrc, payload }));
    if (k % 4 === 3) await new Promise((r) => setTimeout(r, run.pauseMs ?? 5));
  }
}
