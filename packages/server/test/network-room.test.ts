import { describe, expect, it } from 'vitest';
import { networkQuality } from '@callmos/core';
import { networkFromStats } from '../src/monitor/network-probe.js';
import { roomQuality } from '../src/monitor/room-quality.js';
import { emptyStreamStats } from '../src/audio/audio-stream.js';
import type { ParticipantState } from '../src/monitor/types.js';

const stats = (packetCount: number, packetsLost: number, jitter = 144, roundTripTime?: number) => ({ packetCount, packetsLost, jitter, roundTripTime, mimeType: 'audio/opus' });

describe('networkFromStats', () => {
  it('takes loss over the interval between two polls, not since the start', () => {
    const q = networkFromStats(stats(1000, 250), stats(1080, 270, 192, 40), 48000)!; // jitter 192 ticks at 48 kHz = 4 ms
    expect(q.lossPct).toBeCloseTo(20, 10);
    expect(q).toEqual(networkQuality({ lossPct: 20, jitterMs: 4, rttMs: 40, codec: 'opus' }));
    expect(networkFromStats(stats(1080, 270), stats(1180, 270), 48000)!.lossPct).toBe(0); // recovered
  });

  it('gives nothing for an interval without packets and never a negative loss', () => {
    expect(networkFromStats(stats(50, 0), stats(50, 0), 48000)).toBeUndefined();
    expect(networkFromStats(stats(50, 5), stats(100, 3), 48000)!.lossPct).toBe(0); // late packets lowered the count
    expect(networkFromStats(undefined, stats(100, 0), 48000)!.mos).toBeGreaterThan(4);
  });

  it("never throws on numbers a sender's RTP and RTCP can make: NaN or infinite RTT and jitter, huge or negative counters", () => {
    const hostile = [stats(100, 0, 2 ** 32, Number.NaN), stats(100, -5e9, Infinity, Infinity), stats(100, 1e12, Number.NaN, -40), stats(Number.NaN, 0)];
    for (const current of hostile) {
      const q = networkFromStats(stats(0, 0), current, 48000);
      if (q) expect(q.mos).toBeGreaterThanOrEqual(1);
    }
    expect(networkFromStats(stats(0, 0), stats(100, 0, 144, Number.NaN), 48000)!.rttMs).toBe(0); // unknown, as without RTCP
  });
});

const p = (producerId: string, emaMos?: number, extra: Partial<ParticipantState> = {}): ParticipantState => ({
  producerId, transportId: 't', room: 'r', appData: {}, paused: false, consuming: true, closed: false, alerting: false, stalled: false, stalls: 0,
  stats: emptyStreamStats(), ...(emaMos !== undefined ? { emaMos, band: emaMos < 2.8 ? 'poor' : emaMos >= 3.6 ? 'good' : 'fair' } : {}), ...extra,
});

describe('roomQuality', () => {
  it('aggregates worst, mean and degraded over open producers', () => {
    const r = roomQuality('r', [p('a', 4), p('b', 2.5), p('c'), p('d', 3.2, { alerting: true }), p('e', 1, { closed: true })], 7);
    expect(r).toEqual({ room: 'r', count: 4, scored: 3, worst: { producerId: 'b', emaMos: 2.5 }, meanMos: (4 + 2.5 + 3.2) / 3, degraded: 2, stalled: 0, timestamp: 7 });
    expect(roomQuality('r', [], 0)).toMatchObject({ count: 0, worst: null, meanMos: null, degraded: 0, stalled: 0 });
  });

  it('counts a stalled producer as stalled and degraded, whatever its last score', () => {
    const r = roomQuality('r', [p('a', 4.2, { stalled: true }), p('b', 4), p('c', 1, { stalled: true, closed: true })], 7);
    expect(r).toMatchObject({ count: 2, degraded: 1, stalled: 1 });
  });
});
