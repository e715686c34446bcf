import { AudioFileError } from './audio-file-error.js';
import type { DecodedChannels } from './decoded-audio.js';
import { decodeOpusPackets, OPUS_OUTPUT_RATE, parseOpusHead } from './opus.js';

const PAGE_HEADER_BYTES = 27;

/**
 * Ogg Opus (RFC 7845): pages -> packets of the first Opus logical stream -> the shared Opus decoder.
 * Reading the pages here (a few dozen lines) instead of ogg-opus-decoder keeps one Opus path for Ogg and
 * WebM and avoids that package's 8 MB speech-enhancement model, which scoring must not use anyway.
 * Other logical streams (a video or a second track) are skipped.
 */
export async function decodeOggOpus(bytes: Uint8Array, file: string): Promise<DecodedChannels> {
  const { packets, lastGranule } = readOggPackets(bytes, file);
  if (packets.length === 0) throw new AudioFileError(file, 'unsupported Ogg: no Opus stream (Vorbis, FLAC or Speex in Ogg are not decoded; convert with ffmpeg -i in.ogg out.wav)');
  const head = parseOpusHead(packets[0], file, 'Ogg');
  if (packets.length < 2 || String.fromCharCode(...packets[1].subarray(0, 8)) !== 'OpusTags') {
    throw new AudioFileError(file, 'malformed Ogg: no OpusTags header after OpusHead');
  }
  const decoded = await decodeOpusPackets(head, packets.slice(2), file, 'Ogg Opus');
  // RFC 7845 §4.4: the last granule position (48 kHz, pre-skip included) says where the audio ends; the
  // last packet's tail past it is encoder padding. WebM has no equivalent that writers fill in reliably.
  if (lastGranule > head.preSkip) {
    const end = Math.round(((lastGranule - head.preSkip) * OPUS_OUTPUT_RATE) / 48000);
    const [mono] = decoded.channelData;
    if (end < mono.length) decoded.channelData = [mono.subarray(0, end)];
  }
  return decoded;
}

/**
 * Packets of the first logical stream whose first packet is an OpusHead ([] if there is none), and the
 * granule position of its last page that completes a packet (-1 if none).
 */
function readOggPackets(bytes: Uint8Array, file: string): { packets: Uint8Array[]; lastGranule: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let serial: number | null = null;
  const packets: Uint8Array[] = [];
  let partial: Uint8Array[] = [];
  let lastGranule = -1;
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + PAGE_HEADER_BYTES > bytes.length || view.getUint32(offset) !== 0x4f676753 /* "OggS" */) {
      throw new AudioFileError(file, `${offset + PAGE_HEADER_BYTES > bytes.length ? 'truncated' : 'corrupt'} Ogg: no page header at byte ${offset}`);
    }
    const headerType = bytes[offset + 5];
    const pageSerial = view.getUint32(offset + 14, true);
    const segments = bytes[offset + 26];
    const tableEnd = offset + PAGE_HEADER_BYTES + segments;
    if (tableEnd > bytes.length) throw new AudioFileError(file, `truncated Ogg: page at byte ${offset} is cut short`);
    const lacing = bytes.subarray(offset + PAGE_HEADER_BYTES, tableEnd);
    const bodyLength = lacing.reduce((a, b) => a + b, 0);
    if (tableEnd + bodyLength > bytes.length) throw new AudioFileError(file, `truncated Ogg: page at byte ${offset} is cut short`);

    const isFirstPage = (headerType & 0x02) !== 0;
    if (serial === null && isFirstPage && startsWithOpusHead(bytes.subarray(tableEnd, tableEnd + bodyLength))) serial = pageSerial;
    if (serial !== null && pageSerial === serial) {
      // A continued packet's head was on the previous page; a page without the continued flag starts fresh.
      if ((headerType & 0x01) === 0) partial = [];
      let at = tableEnd;
      let start = at;
      for (const value of lacing) {
        at += value;
        if (value < 255) {
          partial.push(bytes.subarray(start, at));
          packets.push(joined(partial));
          partial = [];
          start = at;
        }
      }
      if (start < at) partial.push(bytes.subarray(start, at));
      // 64-bit little-endian; -1 (all ones) on pages where no packet ends. 2^53 samples is 5,900 years.
      const low = view.getUint32(offset + 6, true);
      const high = view.getUint32(offset + 10, true);
      if (!(low === 0xffffffff && high === 0xffffffff)) lastGranule = low + high * 2 ** 32;
    }
    offset = tableEnd + bodyLength;
  }
  return { packets, lastGranule };
}

function startsWithOpusHead(body: Uint8Array): boolean {
  return String.fromCharCode(...body.subarray(0, 8)) === 'OpusHead';
}

function joined(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
