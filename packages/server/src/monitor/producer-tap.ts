/**
 * One monitored audio producer: a DirectTransport consumer whose RTP goes into an AudioStream, plus the
 * producer's state (paused, closed, latest smoothed score, network quality) for participants$.
 */
import type { Consumer, DirectTransport, Producer, AppData } from 'mediasoup/types';
import { Subject } from 'rxjs';
import type { NetworkQuality, ScoreEvent } from '@callmos/core';
import { AudioStream, type AudioStreamOptions } from '../audio/audio-stream.js';
import { OpusStreamDecoder } from '../audio/opus-stream-decoder.js';
import { networkFromStats, type RecvStatsSample } from './network-probe.js';
import type { ParticipantState } from './types.js';

/** network loss is measured over this much recent time */
const LOSS_WINDOW_MS = 5000;

export type TapStreamOptions = Omit<AudioStreamOptions, 'streamId' | 'decoder' | 'payloadType' | 'onEvent'>;

export class ProducerTap {
  readonly producerId: string;
  readonly transportId: string;
  readonly appData: AppData;
  /** smoothed events of this producer; completes when the producer closes */
  readonly events = new Subject<ScoreEvent>();
  paused: boolean;
  closed = false;
  alerting = false;
  last: ScoreEvent | undefined;
  private stream: AudioStream | undefined;
  private consumer: Consumer | undefined;
  private readonly history: { at: number; sample: RecvStatsSample }[] = [];
  private network: NetworkQuality | undefined;
  private ending: Promise<void> | undefined;

  constructor(
    readonly producer: Producer,
    transportId: string,
  ) {
    this.producerId = producer.id;
    this.transportId = transportId;
    this.appData = producer.appData;
    this.paused = producer.paused;
  }

  /**
   * Consumes the producer through `transport` and starts decoding. `onEvent` gets the raw (unsmoothed)
   * events; the monitor smooths them and hands them back through `events`.
   */
  async start(transport: DirectTransport, rtpCapabilities: Parameters<DirectTransport['consume']>[0]['rtpCapabilities'], options: TapStreamOptions, onEvent: (e: ScoreEvent) => void): Promise<void> {
    const decoder = await OpusStreamDecoder.create();
    if (this.closed) return decoder.close();
    let consumer: Consumer;
    try {
      consumer = await transport.consume({ producerId: this.producerId, rtpCapabilities, appData: { callmosMonitor: true } });
    } catch (err) {
      decoder.close();
      if (this.closed || this.producer.closed) return; // closed while we were setting up: nothing to monitor
      throw err;
    }
    if (this.closed) {
      consumer.close();
      return decoder.close();
    }
    this.consumer = consumer;
    const stream = new AudioStream({
      ...options,
      streamId: this.producerId,
      decoder,
      payloadType: consumer.rtpParameters.codecs[0]?.payloadType,
      onEvent,
    });
    this.stream = stream;
    consumer.on('rtp', (packet) => stream.pushRtp(packet));
  }

  /** the consumer is up: RTP from now on is scored (packets before it are not seen) */
  get consuming(): boolean {
    return this.stream !== undefined && !this.closed;
  }

  get streamStats(): AudioStream['stats'] | undefined {
    return this.stream?.stats;
  }

  /** Producer paused: score what the jitter buffer holds now instead of after the pause. */
  pause(): void {
    this.paused = true;
    this.stream?.drain();
  }

  resume(): void {
    this.paused = false;
  }

  /** Polls the producer's receive stats into network quality (carried by the next events). */
  async pollNetwork(): Promise<void> {
    if (this.closed || this.producer.closed) return;
    const stats = (await this.producer.getStats()) as unknown as RecvStatsSample[];
    const current = stats.find((s) => typeof s.packetCount === 'number');
    if (!current) return;
    // Loss over the last LOSS_WINDOW_MS, not the last poll: the worker updates packetsLost in steps (when it
    // makes receiver reports), so one poll interval alone swings between 0 and a burst.
    const now = Date.now();
    this.history.push({ at: now, sample: current });
    while (this.history.length > 2 && now - this.history[1]!.at >= LOSS_WINDOW_MS) this.history.shift();
    const quality = networkFromStats(this.history.length > 1 ? this.history[0]!.sample : undefined, current, this.producer.rtpParameters.codecs[0]?.clockRate ?? 48000);
    if (quality) {
      this.network = quality;
      this.stream?.setNetwork(quality);
    }
  }

  /**
   * Ends the stream: flush, last windows scored and emitted. Idempotent. `events` is completed by the
   * monitor once its own state says the producer is gone, so a subscriber that sees completion sees that too.
   */
  end(): Promise<void> {
    this.ending ??= (async () => {
      this.closed = true;
      this.consumer?.close();
      await this.stream?.end();
    })();
    return this.ending;
  }

  /** Stops at once without flushing (worker gone): `events` errors with `err`. */
  abort(err: Error): void {
    this.closed = true;
    this.ending ??= Promise.resolve();
    this.events.error(err);
  }

  state(room: string, stats: ParticipantState['stats']): ParticipantState {
    return {
      producerId: this.producerId,
      transportId: this.transportId,
      room,
      appData: this.appData,
      paused: this.paused,
      consuming: this.consuming,
      closed: this.closed,
      ...(this.last ? { last: this.last } : {}),
      ...(this.last?.emaMos !== undefined ? { emaMos: this.last.emaMos, band: this.last.band } : {}),
      ...(this.network ? { network: this.network } : {}),
      alerting: this.alerting,
      stats,
    };
  }
}
