/**
 * One monitored audio producer: a DirectTransport consumer whose RTP goes into an AudioStream, plus the
 * producer's state (paused, closed, stalled, latest smoothed score, network quality) for participants$.
 * It owns its consumer and its Opus decoder: both are released when it ends, so nothing of a closed
 * producer outlives it.
 */
import type { Consumer, DirectTransport, Producer, AppData } from 'mediasoup/types';
import { Subject } from 'rxjs';
import type { NetworkQuality, ScoreEvent } from '@callmos/core';
import { AudioStream, type AudioStreamOptions } from '../audio/audio-stream.js';
import { OpusStreamDecoder, opusDecodeRateFor } from '../audio/opus-stream-decoder.js';
import { networkFromStats, type RecvStatsSample } from './network-probe.js';
import type { MonitorAlert, ParticipantState } from './types.js';

/** network loss is measured over this much recent time */
const LOSS_WINDOW_MS = 5000;

export type TapStreamOptions = Omit<AudioStreamOptions, 'streamId' | 'decoder' | 'payloadType' | 'onEvent'>;

/** What the tap tells its monitor. */
export interface TapHooks {
  /** a raw (unsmoothed) event */
  onEvent: (e: ScoreEvent) => void;
  /** the tap's state changed outside an event (RTP came back after a stall) */
  onChange: () => void;
  /** the RTP handler threw (a bug: bad input is counted by the stream itself) */
  onError: (err: Error) => void;
}

export class ProducerTap {
  readonly producerId: string;
  readonly transportId: string;
  readonly appData: AppData;
  /** smoothed events of this producer; completes when the producer closes */
  readonly events = new Subject<ScoreEvent>();
  paused: boolean;
  /** its producer closed (or the monitor stops): the stream is being flushed, or is gone */
  closed = false;
  /**
   * the monitor is done with it: last window scored and emitted, alert cleared. Only then does its state say
   * closed, so `closed: true` is published once, after its last score event, with final counters.
   */
  settled = false;
  alerting = false;
  /** stream time (s) since when the raised alert's degradation lasts (its `since`) */
  alertSince: number | undefined;
  last: ScoreEvent | undefined;
  stalled = false;
  stalls = 0;
  lastRtpAt: number | undefined;
  /** when silence on the wire started to count: consuming began, or the producer resumed */
  private quietSince: number | undefined;
  private stream: AudioStream | undefined;
  private consumer: Consumer | undefined;
  private decoder: OpusStreamDecoder | undefined;
  private readonly history: { at: number; sample: RecvStatsSample }[] = [];
  private network: NetworkQuality | undefined;
  private ending: Promise<void> | undefined;
  /** the monitor's end of this tap (flush, alert cleared, reported closed), once */
  finished: Promise<void> | undefined;
  /** its counters have been added to the monitor's retired ones */
  retired = false;

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
   * Consumes the producer through `transport` and starts decoding. `hooks.onEvent` gets the raw
   * (unsmoothed) events; the monitor smooths them and hands them back through `events`.
   */
  async start(transport: DirectTransport, rtpCapabilities: Parameters<DirectTransport['consume']>[0]['rtpCapabilities'], options: TapStreamOptions, hooks: TapHooks): Promise<void> {
    // decoded straight to the model's rate where libopus can (16 kHz): no resampler per stream
    const decoder = await OpusStreamDecoder.create({ sampleRate: opusDecodeRateFor(options.pool.model.card.sampleRate) });
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
    this.decoder = decoder;
    const stream = new AudioStream({
      ...options,
      streamId: this.producerId,
      decoder,
      payloadType: consumer.rtpParameters.codecs[0]?.payloadType,
      onEvent: hooks.onEvent,
    });
    this.stream = stream;
    this.quietSince = Date.now();
    consumer.on('rtp', (packet) => {
      this.lastRtpAt = Date.now();
      try {
        stream.pushRtp(packet);
      } catch (err) {
        hooks.onError(err instanceof Error ? err : new Error(String(err)));
      }
      if (this.stalled) {
        this.stalled = false;
        hooks.onChange();
      }
    });
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
    this.stalled = false; // paused is not stalled: no RTP is expected
    this.stream?.drain();
  }

  resume(): void {
    this.paused = false;
    this.quietSince = Date.now();
  }

  /**
   * Marks the tap stalled once no RTP has come for `afterMs` while it is consumed and not paused, and
   * scores what the jitter buffer holds. True when it just stalled (the next packet unstalls it).
   */
  checkStall(now: number, afterMs: number): boolean {
    if (this.stalled || this.paused || this.closed || this.quietSince === undefined) return false;
    if (now - Math.max(this.lastRtpAt ?? 0, this.quietSince) < afterMs) return false;
    this.stalled = true;
    this.stalls++;
    this.stream?.drain();
    return true;
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
      this.stalled = false;
      this.consumer?.close();
      await this.stream?.end();
      this.decoder?.close();
    })();
    return this.ending;
  }

  /** Stops at once without flushing (it could not start): `events` errors with `err`. */
  abort(err: Error): void {
    this.closed = true;
    this.ending ??= Promise.resolve();
    this.consumer?.close();
    this.decoder?.close();
    this.events.error(err);
  }

  /**
   * Ends a raised alert because the stream ends (`reason`): the 'cleared' alert to send, at the last
   * smoothed score (none when the stream was never scored). Pagers would otherwise wait forever for it.
   */
  clearAlert(room: string, reason: string): MonitorAlert | undefined {
    const last = this.last;
    this.alerting = false;
    if (!last || last.emaMos === undefined || last.band === undefined) return undefined;
    return {
      v: 1,
      kind: 'cleared',
      streamId: this.producerId,
      since: this.alertSince ?? last.end,
      at: last.end,
      mos: last.emaMos,
      band: last.band,
      reason,
      producerId: this.producerId,
      room,
      appData: this.appData,
    };
  }

  state(room: string, stats: ParticipantState['stats']): ParticipantState {
    return {
      producerId: this.producerId,
      transportId: this.transportId,
      room,
      appData: this.appData,
      paused: this.paused,
      consuming: this.consuming,
      closed: this.settled,
      ...(this.last ? { last: this.last } : {}),
      ...(this.last?.emaMos !== undefined ? { emaMos: this.last.emaMos, band: this.last.band } : {}),
      ...(this.network ? { network: this.network } : {}),
      alerting: this.alerting,
      stalled: this.stalled,
      ...(this.lastRtpAt !== undefined ? { lastRtpAt: this.lastRtpAt } : {}),
      stalls: this.stalls,
      stats,
    };
  }
}
