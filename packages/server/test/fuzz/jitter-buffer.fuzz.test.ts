/**
 * Fuzzing the jitter buffer with whole network histories: a sender (16-bit sequence numbers starting
 * anywhere, often just before the wrap; timestamps that jump by anything; sequence jumps; new SSRCs) and a
 * network that delays, drops, duplicates and replays its packets. Whatever arrives, the buffer must:
 *
 * - never release out of order: between two resets, consecutive packets step forward (mod 2^16) by
 *   exactly one plus the losses declared between them, so every packet is released or accounted for once;
 * - hold at most `depth` packets, and account for every packet pushed (released, late, duplicate or held);
 * - lose nothing when the network only reorders within the buffer's depth;
 * - ignore timestamps entirely (a huge timestamp jump is the decoder's business, not a reorder).
 */
import { describe, expect, it } from 'vitest';
import { JitterBuffer, type JitterOutput } from '../../src/rtp/jitter-buffer.js';
import type { RtpPacket } from '../../src/rtp/rtp-packet.js';
import { fc, fuzz } from '../../../../test/helpers/fuzz.js';

/** What the sender does before each packet. */
type SendStep =
  | { kind: 'next' }
  | { kind: 'seq-jump'; by: number }
  | { kind: 'ts-jump'; by: number }
  | { kind: 'new-ssrc' };

interface History {
  depth: number;
  maxJump: number;
  firstSeq: number;
  firstTs: number;
  steps: SendStep[];
  /** per packet sent: arrival delay in packet slots, dropped, duplicated */
  net: { delay: number; drop: boolean; dup: boolean }[];
  /** packets from long ago replayed by the network (index into the sent packets, arrival slot) */
  replays: { from: number; at: number }[];
}

const step: fc.Arbitrary<SendStep> = fc.oneof(
  { weight: 40, arbitrary: fc.constant({ kind: 'next' as const }) },
  { weight: 1, arbitrary: fc.integer({ min: -0xffff, max: 0xffff }).map((by) => ({ kind: 'seq-jump' as const, by })) },
  { weight: 1, arbitrary: fc.integer({ min: -0x7fffffff, max: 0x7fffffff }).map((by) => ({ kind: 'ts-jump' as const, by })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'new-ssrc' as const }) },
);

const history: fc.Arbitrary<History> = fc
  .record({
    depth: fc.integer({ min: 1, max: 16 }),
    extraJump: fc.integer({ min: 1, max: 3000 }),
    firstSeq: fc.oneof(fc.integer({ min: 0xff00, max: 0xffff }), fc.integer({ min: 0, max: 0xffff })),
    firstTs: fc.nat({ max: 0xffffffff }),
    steps: fc.array(step, { minLength: 1, maxLength: 400 }),
    delays: fc.array(fc.record({ delay: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 30 })), drop: fc.boolean(), dup: fc.boolean() }), { maxLength: 400 }),
    dropRate: fc.integer({ min: 0, max: 40 }),
    replays: fc.array(fc.record({ from: fc.nat(), at: fc.nat() }), { maxLength: 5 }),
  })
  .map(({ depth, extraJump, firstSeq, firstTs, steps, delays, dropRate, replays }) => ({
    depth,
    maxJump: depth + extraJump,
    firstSeq,
    firstTs,
    steps,
    net: steps.map((_, i) => {
      const d = delays[i % Math.max(1, delays.length)] ?? { delay: 0, drop: false, dup: false };
      // drop and dup are rare; delays mostly small
      return { delay: d.delay, drop: d.drop && (i * 37) % 100 < dropRate, dup: d.dup && i % 17 === 0 };
    }),
    replays,
  }));

/** The packets the sender sends, in sending order. */
function send(h: History): RtpPacket[] {
  let seq = h.firstSeq;
  let ts = h.firstTs;
  let ssrc = 1;
  return h.steps.map((s) => {
    if (s.kind === 'seq-jump') seq = (seq + s.by) & 0xffff;
    else if (s.kind === 'ts-jump') ts = (ts + s.by) >>> 0;
    else if (s.kind === 'new-ssrc') ssrc++;
    const p: RtpPacket = { payloadType: 111, marker: false, sequenceNumber: seq, timestamp: ts, ssrc, payload: new Uint8Array(1) };
    seq = (seq + 1) & 0xffff;
    ts = (ts + 960) >>> 0;
    return p;
  });
}

/** The order packets arrive in: each delayed by some slots, some dropped, some twice, old ones replayed. */
function arrive(h: History, sent: RtpPacket[]): RtpPacket[] {
  const slots: { at: number; p: RtpPacket }[] = [];
  sent.forEach((p, i) => {
    const n = h.net[i]!;
    if (n.drop) return;
    slots.push({ at: i + n.delay + i / sent.length, p });
    if (n.dup) slots.push({ at: i + n.delay + 1.5, p });
  });
  for (const r of h.replays) {
    if (sent.length > 0) slots.push({ at: r.at % (sent.length + 1), p: sent[r.from % sent.length]! });
  }
  return slots.sort((a, b) => a.at - b.at).map((s) => s.p);
}

/** Checks the release order and loss accounting of one buffer's output; returns the packets released. */
function checkOutputs(outs: JitterOutput[], maxLost: number): RtpPacket[] {
  const released: RtpPacket[] = [];
  let last: RtpPacket | undefined;
  let lostSince = 0;
  let afterReset = false;
  for (const o of outs) {
    if (o.kind === 'reset') {
      last = undefined;
      lostSince = 0;
      afterReset = true;
      continue;
    }
    if (o.kind === 'lost') {
      expect(o.count).toBeGreaterThan(0);
      expect(o.count).toBeLessThanOrEqual(maxLost);
      // a stream (or a restarted one) starts with a packet, never with a loss
      expect(last).toBeDefined();
      lostSince += o.count;
      continue;
    }
    if (afterReset) afterReset = false;
    if (last) {
      expect(o.packet.ssrc).toBe(last.ssrc);
      const step = (o.packet.sequenceNumber - last.sequenceNumber) & 0xffff;
      expect(step).toBe(1 + lostSince);
    }
    released.push(o.packet);
    last = o.packet;
    lostSince = 0;
  }
  return released;
}

function run(h: History, arrivals: RtpPacket[]) {
  const jb = new JitterBuffer({ depth: h.depth, maxJump: h.maxJump });
  const outs: JitterOutput[] = [];
  let maxHeld = 0;
  for (const p of arrivals) {
    outs.push(...jb.push(p));
    maxHeld = Math.max(maxHeld, jb.size);
    const s = jb.stats;
    expect(s.released + s.late + s.duplicates + jb.size).toBe(s.received);
  }
  outs.push(...jb.flush());
  return { jb, outs, maxHeld };
}

describe('JitterBuffer (fuzz)', () => {
  it('releases in order, accounts for every packet and stays within depth, whatever the network does', () => {
    fuzz('jitter buffer network histories', 400, fc.property(history, (h) => {
      const sent = send(h);
      const arrivals = arrive(h, sent);
      const { jb, outs, maxHeld } = run(h, arrivals);
      expect(maxHeld).toBeLessThanOrEqual(h.depth);
      expect(jb.size).toBe(0);
      const released = checkOutputs(outs, h.maxJump + h.depth);
      expect(released.length).toBe(jb.stats.released);
      expect(jb.stats.released + jb.stats.late + jb.stats.duplicates).toBe(arrivals.length);
      // a new SSRC is always a reset (numbering of one sender says nothing about another's)
      const ssrcChanges = arrivals.filter((p, i) => i > 0 && p.ssrc !== arrivals[i - 1]!.ssrc).length;
      expect(outs.filter((o) => o.kind === 'reset' && o.reason === 'ssrc').length).toBe(ssrcChanges);
    }));
  });

  it('loses nothing and releases everything in sending order when packets are only reordered within depth', () => {
    const reorderOnly = fc
      .record({ depth: fc.integer({ min: 1, max: 16 }), firstSeq: fc.integer({ min: 0, max: 0xffff }), n: fc.integer({ min: 1, max: 500 }), seed: fc.nat() })
      .map(({ depth, firstSeq, n, seed }) => {
        // displace each packet by less than depth: arrival slot i + (hash % depth)
        const order = Array.from({ length: n }, (_, i) => ({ i, at: i + (((i + 1) * 2654435761 + seed) >>> 0) % depth + i / n }));
        return { depth, firstSeq, order: order.sort((a, b) => a.at - b.at).map((o) => o.i) };
      });
    fuzz('jitter buffer reorder within depth', 400, fc.property(reorderOnly, ({ depth, firstSeq, order }) => {
      const jb = new JitterBuffer({ depth });
      const pkt = (i: number): RtpPacket => ({ payloadType: 111, marker: false, sequenceNumber: (firstSeq + i) & 0xffff, timestamp: i * 960, ssrc: 7, payload: Uint8Array.of(i & 0xff) });
      const outs = order.flatMap((i) => jb.push(pkt(i)));
      outs.push(...jb.flush());
      expect(outs.every((o) => o.kind === 'packet')).toBe(true);
      // The first packet to arrive starts the stream: it is released at once, so packets sent before it
      // and arriving after it are late (the buffer cannot wait for packets it does not know exist).
      const first = order[0]!;
      const want = order.filter((i) => i >= first).sort((a, b) => a - b);
      expect(outs.map((o) => (o.kind === 'packet' ? (o.packet.sequenceNumber - firstSeq) & 0xffff : -1))).toEqual(want);
      expect(jb.stats).toMatchObject({ lost: 0, late: order.length - want.length, duplicates: 0 });
    }));
  });

  it('ignores timestamps: the same arrivals with timestamps jumping anywhere give the same output', () => {
    fuzz('jitter buffer timestamp independence', 300, fc.property(history, fc.array(fc.nat({ max: 0xffffffff }), { minLength: 1 }), (h, stamps) => {
      const arrivals = arrive(h, send(h));
      const restamped = arrivals.map((p, i) => ({ ...p, timestamp: stamps[i % stamps.length]! }));
      const trace = (outs: JitterOutput[]) => outs.map((o) => (o.kind === 'packet' ? o.packet.sequenceNumber : o.kind === 'lost' ? `L${o.count}` : `R${o.reason}`));
      expect(trace(run(h, restamped).outs)).toEqual(trace(run(h, arrivals).outs));
    }));
  });
});
