/** getStats() -> E-model inputs, on stats shaped as Chromium reports them. */
import { networkQuality } from '@callmos/core';
import { describe, expect, it } from 'vitest';
import { trackNetworkSample } from '../../src/network/webrtc-stats.js';

const report = (entries: Record<string, unknown>[]) => new Map(entries.map((e) => [e.id as string, e]));

const inboundReport = (received: number, lost: number, jbDelay: number, jbEmitted: number) =>
  report([
    { id: 'IT01A', type: 'inbound-rtp', kind: 'audio', trackIdentifier: 'remote-1', packetsReceived: received, packetsLost: lost, jitter: 0.012, jitterBufferDelay: jbDelay, jitterBufferEmittedCount: jbEmitted, codecId: 'CIT01_111', remoteId: 'ROA1' },
    { id: 'CIT01_111', type: 'codec', mimeType: 'audio/opus', clockRate: 48000 },
    { id: 'ROA1', type: 'remote-outbound-rtp', kind: 'audio' },
    { id: 'T01', type: 'transport', selectedCandidatePairId: 'CP1' },
    { id: 'CP1', type: 'candidate-pair', currentRoundTripTime: 0.08, nominated: true, state: 'succeeded' },
    { id: 'IT02V', type: 'inbound-rtp', kind: 'video', trackIdentifier: 'video-1', packetsReceived: 5, packetsLost: 5 },
  ]);

describe('trackNetworkSample', () => {
  it('reads a received track: loss over the interval, jitter, jitter-buffer delay, RTT from the ICE pair', () => {
    const first = trackNetworkSample(inboundReport(1000, 0, 40, 1000), 'remote-1')!;
    expect(first.direction).toBe('inbound');
    expect(first.input).toEqual({ lossPct: 0, jitterMs: 12, rttMs: 80, codec: 'audio/opus', jitterBufferMs: 40 });
    // next interval: 90 received, 10 lost -> 10 %, and the buffer held 60 ms on average
    const next = trackNetworkSample(inboundReport(1090, 10, 40 + 6, 1100), 'remote-1', first.counters)!;
    expect(next.input.lossPct).toBeCloseTo(10, 9);
    expect(next.input.jitterBufferMs).toBeCloseTo(60, 9);
    const q = networkQuality(next.input);
    expect(q.codec).toBe('opus');
    expect(q.mos).toBeLessThan(networkQuality(first.input).mos);
  });

  it('reads a sent track through its media-source and the far end\'s remote-inbound-rtp', () => {
    const r = report([
      { id: 'SA1', type: 'media-source', kind: 'audio', trackIdentifier: 'mic-1' },
      { id: 'OT01A', type: 'outbound-rtp', kind: 'audio', mediaSourceId: 'SA1', packetsSent: 500, codecId: 'C1', remoteId: 'RIA1' },
      { id: 'RIA1', type: 'remote-inbound-rtp', kind: 'audio', packetsLost: 25, jitter: 0.004, roundTripTime: 0.15 },
      { id: 'C1', type: 'codec', mimeType: 'audio/PCMU' },
    ]);
    const s = trackNetworkSample(r, 'mic-1')!;
    expect(s.direction).toBe('outbound');
    expect(s.input).toEqual({ lossPct: 5, jitterMs: 4, rttMs: 150, codec: 'audio/PCMU' });
  });

  it('returns null while the track has no RTP stream in the report', () => {
    expect(trackNetworkSample(inboundReport(10, 0, 0, 0), 'someone-else')).toBeNull();
    expect(trackNetworkSample(report([]), 'remote-1')).toBeNull();
  });
});
