/**
 * From an RTCPeerConnection's getStats() to the E-model's inputs for one track, so content MOS ("your
 * microphone / room") can be shown beside network MOS ("your network").
 *
 * - a received track: its `inbound-rtp` (matched by trackIdentifier): loss, jitter, jitter-buffer delay;
 *   RTT from the matching `remote-outbound-rtp` when the sender reports it, else from the selected ICE
 *   candidate pair.
 * - a sent track: its `outbound-rtp` (matched through its `media-source`) and the far end's view of it in
 *   `remote-inbound-rtp`: loss, jitter and RTT as the receiver measured them.
 * Loss is over the interval since the previous sample (cumulative counters differenced), not since the
 * call began, so a burst shows up while it matters.
 */
import type { NetworkQualityInput } from '@callmos/core';

/** The stats fields read here (a subset of the WebRTC stats dictionaries). */
export type StatsEntry = Record<string, unknown> & { id: string; type: string };

/** Anything iterable like RTCStatsReport (a Map of id -> stats). */
export interface StatsReportLike {
  get(id: string): unknown;
  forEach(cb: (value: unknown, key: string) => void): void;
}

/** Counters kept between samples. */
export interface StatsCounters {
  received: number;
  lost: number;
  jitterBufferDelay?: number;
  jitterBufferEmitted?: number;
}

export interface TrackNetworkSample {
  input: NetworkQualityInput;
  counters: StatsCounters;
  direction: 'inbound' | 'outbound';
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The E-model inputs for `trackId`, or null when the report has no RTP stream for it yet. */
export function trackNetworkSample(report: StatsReportLike, trackId: string, previous?: StatsCounters): TrackNetworkSample | null {
  const entries: StatsEntry[] = [];
  report.forEach((value) => entries.push(value as StatsEntry));
  const byId = (id: unknown) => (typeof id === 'string' ? (report.get(id) as StatsEntry | undefined) : undefined);

  const inbound = entries.find((s) => s.type === 'inbound-rtp' && s.kind === 'audio' && s.trackIdentifier === trackId);
  if (inbound) {
    const remote = byId(inbound.remoteId);
    const rttS = num(remote?.roundTripTime) ?? candidatePairRtt(entries, byId);
    const counters: StatsCounters = {
      received: num(inbound.packetsReceived) ?? 0,
      lost: num(inbound.packetsLost) ?? 0,
      jitterBufferDelay: num(inbound.jitterBufferDelay),
      jitterBufferEmitted: num(inbound.jitterBufferEmittedCount),
    };
    const jitterBufferMs = jitterBufferDelayMs(counters, previous);
    return {
      direction: 'inbound',
      counters,
      input: {
        lossPct: lossPercent(counters, previous),
        jitterMs: (num(inbound.jitter) ?? 0) * 1000,
        rttMs: (rttS ?? 0) * 1000,
        codec: codecName(byId(inbound.codecId)),
        ...(jitterBufferMs !== undefined ? { jitterBufferMs } : {}),
      },
    };
  }

  const source = entries.find((s) => s.type === 'media-source' && s.kind === 'audio' && s.trackIdentifier === trackId);
  const outbound = source && entries.find((s) => s.type === 'outbound-rtp' && s.mediaSourceId === source.id);
  if (outbound) {
    const remote = byId(outbound.remoteId);
    const lost = num(remote?.packetsLost) ?? 0;
    const sent = num(outbound.packetsSent) ?? 0;
    // The far end's received count is not reported; sent - lost is what arrived (in-flight packets aside).
    const counters: StatsCounters = { received: Math.max(0, sent - lost), lost };
    return {
      direction: 'outbound',
      counters,
      input: {
        lossPct: lossPercent(counters, previous),
        jitterMs: (num(remote?.jitter) ?? 0) * 1000,
        rttMs: (num(remote?.roundTripTime) ?? candidatePairRtt(entries, byId) ?? 0) * 1000,
        codec: codecName(byId(outbound.codecId)),
      },
    };
  }
  return null;
}

function lossPercent(now: StatsCounters, before: StatsCounters | undefined): number {
  const lost = now.lost - (before?.lost ?? 0);
  const received = now.received - (before?.received ?? 0);
  const expected = lost + received;
  if (expected <= 0) return 0;
  return Math.min(100, Math.max(0, (100 * lost) / expected));
}

function jitterBufferDelayMs(now: StatsCounters, before: StatsCounters | undefined): number | undefined {
  if (now.jitterBufferDelay === undefined || now.jitterBufferEmitted === undefined) return undefined;
  const delay = now.jitterBufferDelay - (before?.jitterBufferDelay ?? 0);
  const emitted = now.jitterBufferEmitted - (before?.jitterBufferEmitted ?? 0);
  return emitted > 0 ? (1000 * delay) / emitted : undefined;
}

function candidatePairRtt(entries: StatsEntry[], byId: (id: unknown) => StatsEntry | undefined): number | undefined {
  const transport = entries.find((s) => s.type === 'transport' && typeof s.selectedCandidatePairId === 'string');
  const pair =
    byId(transport?.selectedCandidatePairId) ??
    entries.find((s) => s.type === 'candidate-pair' && s.nominated === true && s.state === 'succeeded');
  return num(pair?.currentRoundTripTime);
}

/** The codec's mimeType ('audio/opus'); 'opus' when the report does not say (WebRTC's audio default). */
function codecName(codec: StatsEntry | undefined): string {
  return typeof codec?.mimeType === 'string' ? codec.mimeType : 'opus';
}
