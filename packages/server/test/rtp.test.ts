import { describe, expect, it } from 'vitest';
import { buildRtp, parseRtp, RtpParseError } from '../src/rtp/rtp-packet.js';
import { JitterBuffer, type JitterOutput } from '../src/rtp/jitter-buffer.js';
import { whiteNoise } from './helpers/media.js';

const pkt = (sequenceNumber: number, ssrc = 1, timestamp = sequenceNumber * 960) =>
  parseRtp(buildRtp({ payloadType: 100, sequenceNumber, timestamp, ssrc, payload: Uint8Array.of(sequenceNumber & 0xff) }));

/** What left the buffer, compactly: sequence numbers, L<n> for n lost, R for a reset. */
function trace(outs: JitterOutput[]): (number | string)[] {
  return outs.map((o) => (o.kind === 'packet' ? o.packet.sequenceNumber : o.kind === 'lost' ? `L${o.count}` : 'R'));
}

describe('parseRtp', () => {
  it('reads the header and strips CSRCs, extension and padding', () => {
    const payload = Uint8Array.of(9, 8, 7);
    const bytes = new Uint8Array(12 + 4 + 8 + 3 + 2);
    bytes.set([0x80 | 0x20 | 0x10 | 1, 0x80 | 111, 0xff, 0xfe, 0, 0, 0x10, 0, 0xde, 0xad, 0xbe, 0xef]);
    bytes.set([0, 0, 0, 5], 12); // CSRC
    bytes.set([0xbe, 0xde, 0, 1, 1, 2, 3, 4], 16); // one-byte extension, 1 word
    bytes.set(payload, 24);
    bytes.set([0, 2], 27); // 2 bytes of padding
    const p = parseRtp(bytes);
    expect(p).toMatchObject({ payloadType: 111, marker: true, sequenceNumber: 0xfffe, timestamp: 0x1000, ssrc: 0xdeadbeef });
    expect([...p.payload]).toEqual([9, 8, 7]);
  });

  it('rejects what is not RTP with RtpParseError', () => {
    expect(() => parseRtp(new Uint8Array(5))).toThrow(RtpParseError);
    expect(() => parseRtp(Uint8Array.of(0x40, 100, ...new Array(20).fill(0)))).toThrow(/version 1/);
    expect(() => parseRtp(Uint8Array.of(0x80, 200, ...new Array(20).fill(0)))).toThrow(/RTCP/);
    expect(() => parseRtp(Uint8Array.of(0x8f, 100, ...new Array(20).fill(0)))).toThrow(/no room/); // 15 CSRCs in 22 bytes
    expect(() => parseRtp(Uint8Array.of(0xa0, 100, ...new Array(9).fill(0), 40))).toThrow(/no room/); // padding > packet
  });

  it('never throws anything but RtpParseError on random bytes', () => {
    const noise = whiteNoise(200_000, 3);
    let parsed = 0;
    for (let i = 0; i < 5000; i++) {
      const len = Math.floor(((noise[i]! + 1) / 2) * 80);
      const bytes = Uint8Array.from(noise.subarray(i * 40, i * 40 + len), (v) => Math.floor((v + 1) * 128) & 0xff);
      try {
        const p = parseRtp(bytes);
        expect(p.payload.length).toBeGreaterThanOrEqual(0);
        parsed++;
      } catch (err) {
        expect(err).toBeInstanceOf(RtpParseError);
      }
    }
    expect(parsed).toBeLessThan(5000);
  });
});

describe('JitterBuffer', () => {
  it('passes in-order packets straight through', () => {
    const jb = new JitterBuffer({ depth: 3 });
    expect([1, 2, 3].flatMap((s) => trace(jb.push(pkt(s))))).toEqual([1, 2, 3]);
    expect(jb.size).toBe(0);
  });

  it('puts reordered packets back in order', () => {
    const jb = new JitterBuffer({ depth: 3 });
    const out = [10, 12, 11, 14, 13, 15].flatMap((s) => trace(jb.push(pkt(s))));
    expect(out).toEqual([10, 11, 12, 13, 14, 15]);
    expect(jb.stats).toMatchObject({ reordered: 2, lost: 0 });
  });

  it('declares a packet lost once depth newer ones are held, and drops it when it comes late', () => {
    const jb = new JitterBuffer({ depth: 2 });
    const out = [1, 3, 4, 5, 2, 6].flatMap((s) => trace(jb.push(pkt(s))));
    expect(out).toEqual([1, 'L1', 3, 4, 5, 6]);
    expect(jb.stats).toMatchObject({ lost: 1, late: 1 });
  });

  it('drops duplicates and unwraps the 16-bit sequence number', () => {
    const jb = new JitterBuffer({ depth: 4 });
    const out = [65534, 0, 0, 65535, 1, 65535, 2].flatMap((s) => trace(jb.push(pkt(s))));
    expect(out).toEqual([65534, 65535, 0, 1, 2]);
    // a copy of a held packet is a duplicate; a copy of one already released is late
    expect(jb.stats).toMatchObject({ duplicates: 1, late: 1 });
  });

  it('resets on a new SSRC or a sequence jump, releasing what it held first', () => {
    const jb = new JitterBuffer({ depth: 4 });
    const a = [1, 3].flatMap((s) => trace(jb.push(pkt(s))));
    const b = trace(jb.push(pkt(500, 2)));
    const c = trace(jb.push(pkt(501, 2)));
    const d = trace(jb.push(pkt(30000, 2)));
    expect([...a, ...b, ...c, ...d]).toEqual([1, 'L1', 3, 'R', 500, 501, 'R', 30000]);
    expect(jb.stats.resets).toBe(2);
  });

  it('flush releases everything held with the gaps declared lost', () => {
    const jb = new JitterBuffer({ depth: 8 });
    expect([1, 4, 6].flatMap((s) => trace(jb.push(pkt(s))))).toEqual([1]);
    expect(trace(jb.flush())).toEqual(['L2', 4, 'L1', 6]);
    expect(jb.size).toBe(0);
  });

  it('stays bounded and loses nothing under 30 % reordering', () => {
    const jb = new JitterBuffer({ depth: 10 });
    const order = Array.from({ length: 2000 }, (_, i) => i);
    const r = whiteNoise(4000, 11);
    for (let i = 1; i + 1 < order.length; i++) {
      if (r[i]! < -0.4) [order[i], order[i + 1]] = [order[i + 1]!, order[i]!]; // ~30 % of packets swapped with a neighbour
    }
    const out: (number | string)[] = [];
    let maxHeld = 0;
    for (const s of order) {
      out.push(...trace(jb.push(pkt(s))));
      maxHeld = Math.max(maxHeld, jb.size);
    }
    out.push(...trace(jb.flush()));
    expect(out).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(jb.stats.reordered).toBeGreaterThan(250);
    expect(maxHeld).toBeLessThanOrEqual(10);
  });
});
