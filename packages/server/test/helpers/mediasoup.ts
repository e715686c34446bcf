/**
 * A real mediasoup worker for the tests (built offline by ../shared/tools/mediasoup-offline when there is
 * no prebuilt one), PlainTransport producers fed by ffmpeg over RTP on 127.0.0.1, and a UDP relay that
 * drops or reorders packets on the way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import * as mediasoup from 'mediasoup';
import type { PlainTransport, Producer, Router, RtpCodecCapability, Worker } from 'mediasoup/types';
import { ffmpegPath } from './media.js';

/** The worker binary mediasoup will run (MEDIASOUP_WORKER_BIN or its own build), or null when there is none. */
export function mediasoupWorkerBin(): string | null {
  return existsSync(mediasoup.workerBin) ? mediasoup.workerBin : null;
}

export const workerMissing = mediasoupWorkerBin() === null
  ? 'no mediasoup-worker (run ../shared/tools/mediasoup-offline/ensure-worker.sh .)'
  : null;

export const OPUS: RtpCodecCapability = { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2, preferredPayloadType: 100 };

export async function startWorker(): Promise<Worker> {
  return mediasoup.createWorker({ logLevel: 'error', rtcMinPort: 40000, rtcMaxPort: 49999 });
}

export async function createRouter(worker: Worker, appData: Record<string, unknown> = {}): Promise<Router> {
  return worker.createRouter({ mediaCodecs: [OPUS], appData });
}

export interface PlainProducer {
  transport: PlainTransport;
  producer: Producer;
  /** where to send RTP */
  port: number;
  /** where to send RTCP */
  rtcpPort: number;
}

/**
 * A PlainTransport (comedia) and an Opus producer on it with a fixed SSRC. RTCP is not muxed: ffmpeg
 * sends RTCP from another local port than RTP, and comedia locks each tuple onto its first sender.
 */
export async function plainOpusProducer(router: Router, ssrc: number, appData: Record<string, unknown> = {}): Promise<PlainProducer> {
  const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: true });
  const producer = await transport.produce({
    kind: 'audio',
    rtpParameters: {
      codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2, parameters: {} }],
      encodings: [{ ssrc }],
    },
    appData,
  });
  return { transport, producer, port: transport.tuple.localPort, rtcpPort: transport.rtcpTuple!.localPort };
}

/** ffmpeg reading `wav` in real time (-re) and sending libopus RTP (20 ms, 32 kb/s) to 127.0.0.1:port, RTCP to rtcpPort. */
export function ffmpegRtp(wav: string, port: number, rtcpPort: number, ssrc: number): { child: ChildProcess; done: Promise<number | null> } {
  if (!ffmpegPath) throw new Error('ffmpeg is not installed');
  const child = spawn(
    ffmpegPath,
    [
      '-loglevel', 'error', '-nostdin', '-re', '-i', wav,
      '-ac', '1', '-ar', '48000', '-c:a', 'libopus', '-b:a', '32k', '-application', 'voip', '-frame_duration', '20',
      '-payload_type', '100', '-ssrc', String(ssrc), '-f', 'rtp', `rtp://127.0.0.1:${port}?rtcpport=${rtcpPort}&pkt_size=1200`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 || code === null ? resolve(code) : reject(new Error(`ffmpeg exited ${code}: ${stderr}`))));
  });
  return { child, done };
}

/**
 * A UDP relay on 127.0.0.1: forwards every datagram to `targetPort`, dropping RTP (never RTCP) packets
 * with probability `dropRate` while `dropping` is on. Seeded, so a run is repeatable.
 */
export class LossyRelay {
  readonly socket: Socket;
  dropping = true;
  forwarded = 0;
  dropped = 0;
  private seed: number;

  private constructor(
    socket: Socket,
    private readonly targetPort: number,
    private readonly dropRate: number,
    seed: number,
  ) {
    this.socket = socket;
    this.seed = seed >>> 0 || 1;
    socket.on('message', (msg) => this.onMessage(msg));
  }

  static async start(targetPort: number, dropRate: number, seed = 12345): Promise<LossyRelay> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    return new LossyRelay(socket, targetPort, dropRate, seed);
  }

  get port(): number {
    return this.socket.address().port;
  }

  close(): void {
    this.socket.close();
  }

  private random(): number {
    let s = this.seed;
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    this.seed = s >>> 0;
    return this.seed / 0x100000000;
  }

  private onMessage(msg: Buffer): void {
    const pt = msg.length > 1 ? msg[1]! & 0x7f : 0;
    const rtcp = pt >= 72 && pt <= 76;
    if (!rtcp && this.dropping && this.random() < this.dropRate) {
      this.dropped++;
      return;
    }
    this.forwarded++;
    this.socket.send(msg, this.targetPort, '127.0.0.1');
  }
}

/** Sends raw datagrams to a port from one socket (random bytes, hand-made RTP). */
export async function udpSender(port: number): Promise<{ send(bytes: Uint8Array): Promise<void>; close(): void }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return {
    send: (bytes) => new Promise<void>((resolve, reject) => socket.send(bytes, port, '127.0.0.1', (err) => (err ? reject(err) : resolve()))),
    close: () => socket.close(),
  };
}
