/**
 * Fuzzing the RTP header parser: arbitrary bytes, well-formed packets with every optional part (CSRCs,
 * header extension, padding) written by an independent serializer, mutations of those, and RTCP of every
 * type as it would arrive on a muxed port. parseRtp may only ever return a packet whose payload lies
 * inside the bytes it was given, or throw RtpParseError.
 */
import { describe, expect, it } from 'vitest';
import { buildRtp, parseRtp, RtpParseError, type RtpPacket } from '../../src/rtp/rtp-packet.js';
import { atOffset, bytes, fc, fuzz } from '../../../../test/helpers/fuzz.js';

interface RtpSpec {
  payloadType: number;
  marker: boolean;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrcs: number[];
  /** header extension: profile word and 32-bit words, or none */
  extension: { profile: number; words: number[] } | null;
  payload: Uint8Array;
  /** padding bytes at the end (the last one holds the count); 0 = no padding bit */
  padding: number;
}

/** RFC 3550 section 5.1, written out independently of the code under test. */
function rtpBytes(s: RtpSpec): Uint8Array {
  const ext = s.extension ? 4 + 4 * s.extension.words.length : 0;
  const out = new Uint8Array(12 + 4 * s.csrcs.length + ext + s.payload.length + s.padding);
  const v = new DataView(out.buffer);
  out[0] = 0x80 | (s.padding ? 0x20 : 0) | (s.extension ? 0x10 : 0) | s.csrcs.length;
  out[1] = (s.marker ? 0x80 : 0) | s.payloadType;
  v.setUint16(2, s.sequenceNumber);
  v.setUint32(4, s.timestamp);
  v.setUint32(8, s.ssrc);
  let at = 12;
  for (const c of s.csrcs) v.setUint32((at += 4) - 4, c);
  if (s.extension) {
    v.setUint16(at, s.extension.profile);
    v.setUint16(at + 2, s.extension.words.length);
    at += 4;
    for (const w of s.extension.words) v.setUint32((at += 4) - 4, w);
  }
  out.set(s.payload, at);
  if (s.padding) out[out.length - 1] = s.padding;
  return out;
}

/** RFC 5761 section 4: on a muxed port, a second byte of 192..223 is an RTCP packet type (marker + PT 64..95). */
const isRtcpByte = (b1: number) => b1 >= 192 && b1 <= 223;

const rtpSpec: fc.Arbitrary<RtpSpec> = fc
  .record({
    payloadType: fc.integer({ min: 0, max: 127 }),
    marker: fc.boolean(),
    sequenceNumber: fc.integer({ min: 0, max: 0xffff }),
    timestamp: fc.nat({ max: 0xffffffff }),
    ssrc: fc.nat({ max: 0xffffffff }),
    csrcs: fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 15 }),
    extension: fc.option(fc.record({ profile: fc.integer({ min: 0, max: 0xffff }), words: fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 8 }) })),
    payload: fc.uint8Array({ maxLength: 300 }),
    padding: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 255 })),
  })
  .filter((s) => !isRtcpByte((s.marker ? 0x80 : 0) | s.payloadType));

/** What a valid RTP packet must satisfy whatever the bytes were. */
function checkPacket(p: RtpPacket, from: Uint8Array): void {
  expect(p.payload.buffer).toBe(from.buffer); // a view, not a copy
  expect(p.payload.byteOffset).toBeGreaterThanOrEqual(from.byteOffset + 12);
  expect(p.payload.byteOffset + p.payload.length).toBeLessThanOrEqual(from.byteOffset + from.length);
  expect(p.payloadType).toBeGreaterThanOrEqual(0);
  expect(p.payloadType).toBeLessThanOrEqual(127);
  expect(p.sequenceNumber).toBe(((from[2]! << 8) | from[3]!) >>> 0);
  expect(p.timestamp).toBeGreaterThanOrEqual(0);
  expect(p.ssrc).toBeGreaterThanOrEqual(0);
}

/** parseRtp, asserting the only error it throws is RtpParseError; null for a rejected packet. */
function parseOrNull(b: Uint8Array): RtpPacket | null {
  try {
    const p = parseRtp(b);
    checkPacket(p, b);
    return p;
  } catch (err) {
    if (!(err instanceof RtpParseError)) throw err;
    return null;
  }
}

describe('parseRtp (fuzz)', () => {
  it('returns a packet inside the bytes or throws RtpParseError, for arbitrary bytes at any offset', () => {
    fuzz('parseRtp arbitrary bytes', 3000, fc.property(bytes(200), fc.integer({ min: 0, max: 9 }), (b, offset) => {
      const a = parseOrNull(b);
      const c = parseOrNull(atOffset(b, offset));
      // the same bytes parse the same wherever they sit in memory
      expect(c === null).toBe(a === null);
      if (a && c) expect({ ...c, payload: [...c.payload] }).toEqual({ ...a, payload: [...a.payload] });
    }));
  });

  it('reads back every field of a packet with CSRCs, extension and padding (serialize -> parse)', () => {
    fuzz('parseRtp round trip', 1500, fc.property(rtpSpec, fc.integer({ min: 0, max: 9 }), (s, offset) => {
      const p = parseRtp(atOffset(rtpBytes(s), offset));
      expect(p).toMatchObject({ payloadType: s.payloadType, marker: s.marker, sequenceNumber: s.sequenceNumber, timestamp: s.timestamp, ssrc: s.ssrc });
      // the payload is what was put in, minus what the padding claims (here: the bytes appended as padding)
      expect([...p.payload]).toEqual([...s.payload]);
    }));
  });

  it('buildRtp -> parseRtp is the identity (outside the RTCP range)', () => {
    fuzz('buildRtp round trip', 1000, fc.property(rtpSpec, (s) => {
      const p = parseRtp(buildRtp(s));
      expect({ ...p, payload: [...p.payload] }).toEqual({ ...s, csrcs: undefined, extension: undefined, padding: undefined, payload: [...s.payload] } as never);
    }));
  });

  it('a truncated or bit-flipped packet parses consistently or throws RtpParseError', () => {
    const mutated = fc.tuple(rtpSpec, fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { maxLength: 4 })).map(([s, cut, flips]) => {
      const b = rtpBytes(s);
      for (const [at, bit] of flips) b[at % b.length] ^= 1 << bit;
      return b.subarray(0, cut % (b.length + 1));
    });
    fuzz('parseRtp mutations', 2000, fc.property(mutated, (b) => void parseOrNull(b)));
  });

  it('rejects RTCP of every type as it arrives on a muxed port (RFC 5761), with RtpParseError', () => {
    // SR, RR, SDES, BYE, APP, RTPFB (NACK, TWCC), PSFB (PLI, REMB), XR, and the rest of 192..223
    const rtcp = fc
      .record({ type: fc.integer({ min: 192, max: 223 }), count: fc.integer({ min: 0, max: 31 }), body: fc.uint8Array({ minLength: 4, maxLength: 80 }) })
      .map(({ type, count, body }) => {
        const words = Math.floor(body.length / 4);
        const b = new Uint8Array(4 + 4 * words);
        b[0] = 0x80 | count;
        b[1] = type;
        new DataView(b.buffer).setUint16(2, words);
        b.set(body.subarray(0, 4 * words), 4);
        return b;
      });
    fuzz('parseRtp rejects RTCP', 1000, fc.property(rtcp, (b) => {
      expect(() => parseRtp(b)).toThrow(RtpParseError);
    }));
  });
});

describe('parseRtp regressions found by fuzzing', () => {
  it('RTCP feedback (RTPFB 205, PSFB 206) and XR (207) on a muxed port are not media', () => {
    // a transport-cc feedback packet: V=2 FMT=15, PT 205, length 4 words
    const twcc = Uint8Array.of(0x8f, 205, 0, 4, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef, 0, 1, 0, 2, 0, 0, 0, 0);
    expect(() => parseRtp(twcc)).toThrow(/RTCP/);
    expect(() => parseRtp(Uint8Array.of(0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2))).toThrow(RtpParseError); // PLI
    expect(() => parseRtp(Uint8Array.of(0x80, 207, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0))).toThrow(RtpParseError); // XR
    // an unmarked packet with the same payload type is RTP (mediasoup may assign 77..95 as dynamic types)
    expect(parseRtp(Uint8Array.of(0x80, 77, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 9)).payloadType).toBe(77);
  });
});
