import { AudioFileError } from './audio-file-error.js';
import type { DecodedChannels } from './decoded-audio.js';
import { decodeOpusPackets, parseOpusHead } from './opus.js';

/**
 * WebM/Matroska with an Opus audio track (what Chromium's MediaRecorder and ffmpeg write): EBML elements ->
 * the first A_OPUS track's frames -> the shared Opus decoder. Written here because the npm EBML readers
 * (ebml, ts-ebml) are unmaintained and hold a whole element tree; this reads only the few elements audio
 * needs. Masters are entered rather than skipped, so MediaRecorder's unknown-size Segment and Clusters
 * need no special case: the leaf IDs read here occur at one level only.
 */
export async function decodeMatroskaOpus(bytes: Uint8Array, file: string): Promise<DecodedChannels> {
  const { tracks, frames } = readMatroska(bytes, file);
  const audio = tracks.find((t) => t.type === TRACK_TYPE_AUDIO);
  const opus = tracks.find((t) => t.codecId === 'A_OPUS');
  if (!opus) {
    const what = audio ? `audio codec ${audio.codecId ?? 'unknown'}` : 'no audio track';
    throw new AudioFileError(file, `unsupported WebM/Matroska: ${what} (only Opus is decoded; convert with ffmpeg -i in.webm out.wav)`);
  }
  if (!opus.codecPrivate) throw new AudioFileError(file, 'malformed WebM: Opus track without CodecPrivate (OpusHead)');
  const head = parseOpusHead(opus.codecPrivate, file, 'WebM');
  return decodeOpusPackets(head, frames.get(opus.number) ?? [], file, 'WebM Opus');
}

const TRACK_TYPE_AUDIO = 2;

/** Element IDs (Matroska spec), with their marker bits, as they appear in the file. */
const ID = {
  EBML: 0x1a45dfa3,
  Segment: 0x18538067,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackType: 0x83,
  CodecID: 0x86,
  CodecPrivate: 0x63a2,
  Cluster: 0x1f43b675,
  BlockGroup: 0xa0,
  Block: 0xa1,
  SimpleBlock: 0xa3,
} as const;
/** Masters whose children are read; every other element is skipped whole. */
const ENTERED = new Set<number>([ID.Segment, ID.Tracks, ID.TrackEntry, ID.Cluster, ID.BlockGroup]);

interface Track {
  number: number;
  type?: number;
  codecId?: string;
  codecPrivate?: Uint8Array;
}

export interface MatroskaContents {
  tracks: Track[];
  /** track number -> frames in file order, lacing undone */
  frames: Map<number, Uint8Array[]>;
}

export function readMatroska(bytes: Uint8Array, file: string): MatroskaContents {
  const tracks: Track[] = [];
  const frames = new Map<number, Uint8Array[]>();
  let offset = 0;
  let first = true;
  while (offset < bytes.length) {
    const id = readVint(bytes, offset, file, true) as { value: number; length: number };
    const size = readVint(bytes, offset + id.length, file, false);
    const body = offset + id.length + size.length;
    if (first && id.value !== ID.EBML) throw new AudioFileError(file, 'malformed WebM: no EBML header');
    first = false;
    if (ENTERED.has(id.value)) {
      if (id.value === ID.TrackEntry) tracks.push({ number: 0 });
      offset = body;
      continue;
    }
    if (size.value === null) throw new AudioFileError(file, `malformed WebM: element 0x${id.value.toString(16)} at byte ${offset} has unknown size`);
    const end = body + size.value;
    if (end > bytes.length) throw new AudioFileError(file, `truncated WebM: element 0x${id.value.toString(16)} at byte ${offset} runs past the end of the file`);
    const data = bytes.subarray(body, end);
    const track = tracks[tracks.length - 1];
    switch (id.value) {
      case ID.TrackNumber:
        if (track) track.number = readUint(data);
        break;
      case ID.TrackType:
        if (track) track.type = readUint(data);
        break;
      case ID.CodecID:
        if (track) track.codecId = String.fromCharCode(...data).replace(/\0+$/, '');
        break;
      case ID.CodecPrivate:
        if (track) track.codecPrivate = data;
        break;
      case ID.SimpleBlock:
      case ID.Block: {
        const block = readBlock(data, file, offset);
        const list = frames.get(block.track) ?? [];
        list.push(...block.frames);
        frames.set(block.track, list);
        break;
      }
    }
    offset = end;
  }
  return { tracks, frames };
}

interface Vint {
  /** null: the all-ones "unknown size" */
  value: number | null;
  length: number;
}

/** EBML variable-length integer; IDs keep their marker bit, sizes drop it. */
function readVint(bytes: Uint8Array, offset: number, file: string, keepMarker: boolean): Vint {
  if (offset >= bytes.length) throw new AudioFileError(file, `truncated WebM: element header at byte ${offset} is cut short`);
  const firstByte = bytes[offset];
  const length = firstByte === 0 ? 9 : Math.clz32(firstByte) - 23;
  if (length > 8) throw new AudioFileError(file, `corrupt WebM: invalid element header at byte ${offset}`);
  if (offset + length > bytes.length) throw new AudioFileError(file, `truncated WebM: element header at byte ${offset} is cut short`);
  let value = keepMarker ? firstByte : firstByte & (0xff >> length);
  let allOnes = value === (0xff >> length);
  for (let i = 1; i < length; i++) {
    value = value * 256 + bytes[offset + i];
    if (bytes[offset + i] !== 0xff) allOnes = false;
  }
  return { value: !keepMarker && allOnes ? null : value, length };
}

function readUint(data: Uint8Array): number {
  let value = 0;
  for (const byte of data) value = value * 256 + byte;
  return value;
}

/** Block/SimpleBlock: track vint, 16-bit timecode, flags, then one frame or a laced run of frames. */
function readBlock(data: Uint8Array, file: string, at: number): { track: number; frames: Uint8Array[] } {
  const bad = (why: string) => new AudioFileError(file, `corrupt WebM: block at byte ${at}: ${why}`);
  const track = readVint(data, 0, file, false);
  if (track.value === null || data.length < track.length + 3) throw bad('too short');
  let pos = track.length + 3;
  const lacing = (data[track.length + 2] >> 1) & 0x03;
  if (lacing === 0) return { track: track.value, frames: [data.subarray(pos)] };

  const count = data[pos++] + 1;
  const sizes: number[] = [];
  if (lacing === 2) {
    // fixed-size lacing
    const each = (data.length - pos) / count;
    if (!Number.isInteger(each)) throw bad('fixed lacing does not divide the block');
    for (let i = 0; i < count; i++) sizes.push(each);
  } else {
    for (let i = 0; i < count - 1; i++) {
      if (lacing === 1) {
        // Xiph lacing: 255s then the rest
        let size = 0;
        let byte: number;
        do {
          if (pos >= data.length) throw bad('lace sizes run past the block');
          byte = data[pos++];
          size += byte;
        } while (byte === 255);
        sizes.push(size);
      } else {
        // EBML lacing: first size a vint, then signed differences
        const v = readVint(data, pos, file, false);
        if (v.value === null) throw bad('invalid lace size');
        const bias = 2 ** (7 * v.length - 1) - 1;
        sizes.push(i === 0 ? v.value : sizes[i - 1]! + v.value - bias);
        pos += v.length;
      }
    }
    const rest = data.length - pos - sizes.reduce((a, b) => a + b, 0);
    sizes.push(rest);
  }
  const frames: Uint8Array[] = [];
  for (const size of sizes) {
    if (size < 0 || pos + size > data.length) throw bad('lace sizes run past the block');
    frames.push(data.subarray(pos, pos + size));
    pos += size;
  }
  return { track: track.value, frames };
}
