/**
 * The two chunks of a RIFF/RIFX/RF64 WAVE file that decoding needs, found by walking the chunk list.
 *
 * Written here rather than left to wavefile because wavefile parses every chunk it knows (cue, smpl,
 * LIST, bext, ...) and trusts their counts: a 146-byte file whose 'cue ' chunk claims 3.7 billion cue
 * points made it loop until the heap ran out. This walk only steps from chunk to chunk (at most one step
 * per 8 bytes of file), and hands out views of the file, so nothing it does is sized by a header.
 */
import { AudioFileError } from './audio-file-error.js';

/** Streaming writers (ffmpeg to a pipe) and RF64 leave a chunk size at this "unknown" value. */
export const UNKNOWN_CHUNK_SIZE = 0xffffffff;

/** The 'fmt ' chunk's fields (WAVEFORMATEX, plus the subformat tag of WAVE_FORMAT_EXTENSIBLE). */
export interface WavFormat {
  audioFormat: number;
  numChannels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
  /** WAVE_FORMAT_EXTENSIBLE only: the real format tag (first 2 bytes of the subformat GUID) */
  subformat?: number;
}

export interface WavChunks {
  container: 'RIFF' | 'RIFX' | 'RF64';
  littleEndian: boolean;
  format: WavFormat;
  /** the 'fmt ' chunk's bytes as in the file (for re-wrapping, see codecs) */
  fmtBytes: Uint8Array;
  /** the data chunk's size as its header (or RF64's ds64) says: UNKNOWN_CHUNK_SIZE when left unknown */
  dataClaimed: number;
  /** the data the file holds: a view, at most dataClaimed bytes */
  data: Uint8Array;
}

const EXTENSIBLE = 0xfffe;

export function findWavChunks(bytes: Uint8Array, file: string): WavChunks {
  const text = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  const container = text(0) as WavChunks['container'];
  const littleEndian = container !== 'RIFX';
  if (bytes.length < 12 || text(8) !== 'WAVE') throw new AudioFileError(file, `malformed WAV: no WAVE format identifier after ${container}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  let fmt: Uint8Array | undefined;
  let data: { at: number; size: number } | undefined;
  let rf64DataSize: number | undefined;
  for (let at = 12; at + 8 <= bytes.length && !(fmt && data); ) {
    const id = text(at);
    const size = view.getUint32(at + 4, littleEndian);
    const body = at + 8;
    if (id === 'fmt ' && !fmt) fmt = bytes.subarray(body, Math.min(bytes.length, body + size));
    else if (id === 'data' && !data) data = { at: body, size };
    else if (id === 'ds64' && container === 'RF64' && size >= 16 && body + 16 <= bytes.length) {
      rf64DataSize = view.getUint32(body + 8, true) + view.getUint32(body + 12, true) * 2 ** 32;
    }
    if (size === UNKNOWN_CHUNK_SIZE) break; // runs to the end of the file: nothing after it
    at = body + size + (size & 1); // chunks are word-aligned
  }
  if (!data) throw new AudioFileError(file, "truncated or malformed WAV: no 'data' chunk");
  if (!fmt) throw new AudioFileError(file, "truncated or malformed WAV: no 'fmt ' chunk");

  const dataClaimed = data.size === UNKNOWN_CHUNK_SIZE && rf64DataSize !== undefined ? rf64DataSize : data.size;
  const dataEnd = dataClaimed === UNKNOWN_CHUNK_SIZE ? bytes.length : Math.min(bytes.length, data.at + dataClaimed);
  return { container, littleEndian, format: readFormat(fmt, littleEndian, file), fmtBytes: fmt, dataClaimed, data: bytes.subarray(data.at, dataEnd) };
}

function readFormat(fmt: Uint8Array, le: boolean, file: string): WavFormat {
  if (fmt.length < 16) throw new AudioFileError(file, `truncated or malformed WAV: 'fmt ' chunk of ${fmt.length} bytes (needs 16)`);
  const v = new DataView(fmt.buffer, fmt.byteOffset, fmt.byteLength);
  const format: WavFormat = {
    audioFormat: v.getUint16(0, le),
    numChannels: v.getUint16(2, le),
    sampleRate: v.getUint32(4, le),
    blockAlign: v.getUint16(12, le),
    bitsPerSample: v.getUint16(14, le),
  };
  // WAVE_FORMAT_EXTENSIBLE: cbSize, valid bits, channel mask, then the subformat GUID at byte 24
  if (format.audioFormat === EXTENSIBLE && fmt.length >= 28) format.subformat = v.getUint32(24, le) & 0xffff;
  return format;
}
