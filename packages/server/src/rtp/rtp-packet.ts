/**
 * RTP (RFC 3550) header parsing for the audio the monitor receives from mediasoup. Bytes come from the
 * worker, but the worker forwards what a client sent, so every field is checked: a malformed packet
 * throws RtpParseError and the caller counts and drops it; it never reaches the decoder.
 */
import { CallmosError } from '@callmos/core';

export interface RtpPacket {
  payloadType: number;
  marker: boolean;
  /** 16-bit sequence number */
  sequenceNumber: number;
  /** 32-bit media timestamp (48 kHz for Opus) */
  timestamp: number;
  ssrc: number;
  /** the codec payload: header, CSRCs, header extension and padding removed (a view, not a copy) */
  payload: Uint8Array;
}

export class RtpParseError extends CallmosError<'RTP_MALFORMED'> {
  override readonly name = 'RtpParseError';
  constructor(message: string) {
    super('RTP_MALFORMED', message);
  }
}

const FIXED_HEADER = 12;

export function parseRtp(bytes: Uint8Array): RtpPacket {
  if (bytes.length < FIXED_HEADER) throw new RtpParseError(`packet of ${bytes.length} bytes is shorter than an RTP header`);
  const b0 = bytes[0]!;
  const b1 = bytes[1]!;
  const version = b0 >> 6;
  if (version !== 2) throw new RtpParseError(`RTP version ${version}, expected 2`);
  const padding = (b0 & 0x20) !== 0;
  const extension = (b0 & 0x10) !== 0;
  const csrcCount = b0 & 0x0f;
  const payloadType = b1 & 0x7f;
  // RFC 5761 section 4 (and mediasoup's demultiplexer): on a muxed port a second byte of 192..223 is an
  // RTCP packet type (SR..APP 200-204, feedback 205/206, XR 207, ...), not marker + payload type 64..95.
  // Checked on the whole byte: an unmarked packet of payload type 77..95 is RTP (mediasoup may assign those).
  if (b1 >= 192 && b1 <= 223) throw new RtpParseError(`packet type ${b1} is RTCP, not RTP`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = FIXED_HEADER + 4 * csrcCount;
  if (extension) {
    if (bytes.length < offset + 4) throw new RtpParseError('header extension runs past the packet');
    offset += 4 + 4 * view.getUint16(offset + 2);
  }
  let end = bytes.length;
  if (padding) {
    const pad = bytes[bytes.length - 1]!;
    if (pad === 0) throw new RtpParseError('padding length 0');
    end -= pad;
  }
  if (offset > end) throw new RtpParseError(`header (${offset} bytes) and padding leave no room in a ${bytes.length}-byte packet`);
  return {
    payloadType,
    marker: (b1 & 0x80) !== 0,
    sequenceNumber: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    payload: bytes.subarray(offset, end),
  };
}

/** Builds an RTP packet (no CSRCs, no extension); used by tests and the loopback tools. */
export function buildRtp(p: Omit<RtpPacket, 'marker'> & { marker?: boolean }): Uint8Array {
  const out = new Uint8Array(FIXED_HEADER + p.payload.length);
  const view = new DataView(out.buffer);
  out[0] = 0x80;
  out[1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  view.setUint16(2, p.sequenceNumber & 0xffff);
  view.setUint32(4, p.timestamp >>> 0);
  view.setUint32(8, p.ssrc >>> 0);
  out.set(p.payload, FIXED_HEADER);
  return out;
}
