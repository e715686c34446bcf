/**
 * Polls an RTCPeerConnection's stats for one track and turns them into core's E-model NetworkQuality.
 * getStats() is async and cheap; the default 2 s interval is far below anything a user would notice
 * and fine-grained enough to catch a loss burst.
 */
import { Logger, networkQuality, type NetworkQuality } from '@callmos/core';
import { Observable } from 'rxjs';
import { trackNetworkSample, type StatsCounters } from './webrtc-stats.js';

const logger = new Logger('client:network-monitor');

export interface NetworkMonitorOptions {
  intervalMs?: number;
}

/** Network MOS for `trackId` every interval while subscribed; samples without an RTP stream yet are skipped. */
export function networkQuality$(pc: RTCPeerConnection, trackId: string, options: NetworkMonitorOptions = {}): Observable<NetworkQuality> {
  const intervalMs = options.intervalMs ?? 2000;
  return new Observable<NetworkQuality>((subscriber) => {
    let previous: StatsCounters | undefined;
    let busy = false;
    const sample = async () => {
      if (busy || pc.connectionState === 'closed') return;
      busy = true;
      try {
        const report = await pc.getStats();
        const s = trackNetworkSample(report as unknown as Parameters<typeof trackNetworkSample>[0], trackId, previous);
        if (s === null) return;
        previous = s.counters;
        let quality: NetworkQuality;
        try {
          quality = networkQuality(s.input);
        } catch (err) {
          // A codec the E-model has no parameters for (e.g. audio/red): no network MOS rather than a wrong one.
          logger.debug(`track ${trackId}: no network MOS: ${(err as Error).message}`);
          return;
        }
        subscriber.next(quality);
      } catch (err) {
        // getStats() rejects on a closed connection: the next tick checks connectionState.
        logger.debug(`track ${trackId}: no network stats this time: ${(err as Error).message}`);
      } finally {
        busy = false;
      }
    };
    void sample();
    const timer = setInterval(() => void sample(), intervalMs);
    return () => clearInterval(timer);
  });
}
