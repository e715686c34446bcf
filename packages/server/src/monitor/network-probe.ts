/**
 * Network MOS beside content MOS: the producer's receive-side RTP stats (what mediasoup measured on the
 * way in) through core's E-model. Loss is taken over the interval between two polls (cumulative counters
 * would hide a recovery); jitter and RTT are the worker's latest estimates.
 */
import { networkQuality, type NetworkQuality } from '@callmos/core';

/** The fields of mediasoup's RtpStreamRecvStats this needs. */
export interface RecvStatsSample {
  packetCount: number;
  packetsLost: number;
  /** interarrival jitter as mediasoup reports it: RFC 3550 units, i.e. RTP timestamp ticks of the codec clock */
  jitter: number;
  /** ms, when RTCP gave one */
  roundTripTime?: number;
  mimeType: string;
}

/** A measurement that is not a finite number >= 0 (RTT from a sender's made-up RTCP, say) is taken as unknown. */
const measured = (x: number | undefined): number => (typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : 0);

/**
 * Network quality from two consecutive samples of one stream (`clockRate`: the codec's RTP clock, 48000
 * for Opus, to turn jitter into ms); undefined when nothing arrived between them. Never throws: the
 * worker's numbers rest on what the sender sent (its timestamps, its RTCP).
 */
export function networkFromStats(previous: RecvStatsSample | undefined, current: RecvStatsSample, clockRate: number): NetworkQuality | undefined {
  const received = current.packetCount - (previous?.packetCount ?? 0);
  // packetsLost can go down when late packets arrive (RFC 3550): clamp the interval's loss at 0.
  const lost = measured(current.packetsLost - (previous?.packetsLost ?? 0));
  if (!(received >= 0) || received + lost === 0) return undefined;
  return networkQuality({
    lossPct: (100 * lost) / (received + lost),
    jitterMs: (1000 * measured(current.jitter)) / clockRate,
    rttMs: measured(current.roundTripTime),
    codec: current.mimeType,
  });
}
