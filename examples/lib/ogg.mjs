/**
 * Packets of an Ogg stream (RFC 3533): page headers, segment tables and lacing. Used to take the Opus
 * packets out of the .ogg files ffmpeg's libopus writes (the first two are OpusHead and OpusTags).
 */

/** @param {Uint8Array} bytes @returns {Uint8Array[]} */
export function oggPackets(bytes) {
  /** @type {Uint8Array[]} */
  const packets = [];
  /** @type {number[]} */
  let current = [];
  let at = 0;
  while (at + 27 <= bytes.length) {
    if (String.fromCharCode(...bytes.subarray(at, at + 4)) !== 'OggS') throw new Error(`no Ogg page at byte ${at}`);
    const segments = bytes[at + 26];
    const table = bytes.subarray(at + 27, at + 27 + segments);
    let body = at + 27 + segments;
    for (const lace of table) {
      current.push(...bytes.subarray(body, body + lace));
      body += lace;
      if (lace < 255) {
        packets.push(Uint8Array.from(current));
        current = [];
      }
    }
    at = body;
  }
  return packets;
}
