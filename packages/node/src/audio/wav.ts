import * as wavefileModule from 'wavefile';
import { AudioFileError } from './audio-file-error.js';
import type { DecodedChannels } from './decoded-audio.js';
import { findWavChunks, UNKNOWN_CHUNK_SIZE, type WavChunks, type WavFormat } from './riff.js';

/** WAVE format tags (mmreg.h). EXTENSIBLE carries the real tag in the first 2 bytes of its subformat GUID. */
const WAVE_FORMAT = { PCM: 0x0001, IEEE_FLOAT: 0x0003, ALAW: 0x0006, MULAW: 0x0007, IMA_ADPCM: 0x0011, EXTENSIBLE: 0xfffe };
const UNSUPPORTED_FORMAT_NAMES: Record<number, string> = { 0x0002: 'MS ADPCM', 0x0031: 'GSM 6.10', 0x0055: 'MPEG layer 3' };

/** The parts of wavefile's state read after it expands a codec. Its typings call `fmt` and `data` plain `object`s. */
interface ExpandedWav {
  fmt: { numChannels: number; blockAlign: number; bitsPerSample: number };
  data: { samples: Uint8Array };
  fromALaw(bitDepth?: string): void;
  fromMuLaw(bitDepth?: string): void;
  fromIMAADPCM(bitDepth?: string): void;
}

/**
 * Decode a RIFF/RIFX/RF64 WAVE file. The chunks are found by riff.ts and the sample words read here
 * (wavefile reads WAVE_FORMAT_EXTENSIBLE float32, what ffmpeg writes for pcm_f32le, as int32, and silently
 * shortens a truncated data chunk instead of failing); wavefile only expands the companded codecs.
 */
export function decodeWav(bytes: Uint8Array, file: string): DecodedChannels {
  const wav = findWavChunks(bytes, file);
  const { format: fmt, data } = wav;
  if (wav.dataClaimed !== UNKNOWN_CHUNK_SIZE && wav.dataClaimed > data.length) {
    throw new AudioFileError(file, `truncated WAV: header says ${wav.dataClaimed} bytes of data, file has ${data.length}`);
  }
  if (!(fmt.numChannels >= 1)) throw new AudioFileError(file, `malformed WAV: ${fmt.numChannels} channels`);
  if (!(fmt.sampleRate > 0)) throw new AudioFileError(file, `malformed WAV: sample rate ${fmt.sampleRate}`);

  const { sampleRate } = fmt;
  const format = fmt.audioFormat === WAVE_FORMAT.EXTENSIBLE && fmt.subformat !== undefined ? fmt.subformat : fmt.audioFormat;
  switch (format) {
    case WAVE_FORMAT.PCM:
    case WAVE_FORMAT.IEEE_FLOAT:
      return { channelData: readSampleWords(fmt, data, wav.littleEndian, format === WAVE_FORMAT.IEEE_FLOAT, file), sampleRate };
    case WAVE_FORMAT.ALAW:
    case WAVE_FORMAT.MULAW:
    case WAVE_FORMAT.IMA_ADPCM:
      return { channelData: expandToPcm16(wav, format, file), sampleRate };
    default: {
      const name = UNSUPPORTED_FORMAT_NAMES[format];
      const tag = `0x${format.toString(16).padStart(4, '0')}${name ? ` (${name})` : ''}`;
      throw new AudioFileError(file, `unsupported WAV encoding ${tag}: convert it to PCM, e.g. ffmpeg -i in.wav -c:a pcm_s16le out.wav`);
    }
  }
}

/**
 * wavefile ships a UMD bundle as `main` (Node's import sees it as a CommonJS default export) and ES modules
 * as `module` (bundlers and vitest see named exports): accept both shapes.
 */
const { WaveFile } = ((wavefileModule as { default?: typeof wavefileModule }).default ?? wavefileModule) as typeof wavefileModule;

/** Integer PCM (8-bit offset binary, 16/24/32-bit two's complement, any valid bits left-justified) or float 32/64. */
function readSampleWords(fmt: Pick<WavFormat, 'numChannels' | 'blockAlign' | 'bitsPerSample'>, bytes: Uint8Array, littleEndian: boolean, isFloat: boolean, file: string): Float32Array[] {
  const { numChannels, blockAlign, bitsPerSample } = fmt;
  // The container width comes from blockAlign: 20-bit audio sits left-justified in 24-bit words.
  const bytesPerSample = blockAlign / numChannels;
  const supported = isFloat ? bytesPerSample === 4 || bytesPerSample === 8 : bytesPerSample >= 1 && bytesPerSample <= 4;
  if (!Number.isInteger(bytesPerSample) || !supported) {
    const kind = isFloat ? 'float' : 'PCM';
    throw new AudioFileError(file, `unsupported WAV encoding: ${bitsPerSample}-bit ${kind} in ${blockAlign}-byte frames of ${numChannels} channels`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // A trailing partial frame (odd writers) is dropped; a short data chunk was rejected as truncated already.
  const frames = Math.floor(bytes.byteLength / blockAlign);
  const read = sampleReader(view, bytesPerSample, isFloat, littleEndian);
  const channelData = Array.from({ length: numChannels }, () => new Float32Array(frames));
  for (let frame = 0; frame < frames; frame++) {
    for (let channel = 0; channel < numChannels; channel++) {
      channelData[channel][frame] = read(frame * blockAlign + channel * bytesPerSample);
    }
  }
  return channelData;
}

function sampleReader(view: DataView, bytesPerSample: number, isFloat: boolean, le: boolean): (offset: number) => number {
  if (isFloat) return bytesPerSample === 4 ? (o) => view.getFloat32(o, le) : (o) => view.getFloat64(o, le);
  switch (bytesPerSample) {
    case 1:
      return (o) => (view.getUint8(o) - 128) / 128;
    case 2:
      return (o) => view.getInt16(o, le) / 32768;
    case 3:
      return (o) => {
        const low = le ? view.getUint8(o) | (view.getUint8(o + 1) << 8) : view.getUint8(o + 2) | (view.getUint8(o + 1) << 8);
        const high = le ? view.getInt8(o + 2) : view.getInt8(o);
        return (high * 65536 + low) / 8388608;
      };
    default:
      return (o) => view.getInt32(o, le) / 2147483648;
  }
}

/**
 * A-law, µ-law and IMA ADPCM: wavefile expands them to 16-bit PCM, then that is read like PCM. wavefile is
 * given a file of just the 'fmt ' and data chunks (so none of its other chunk parsers runs on this input).
 */
function expandToPcm16(wav: WavChunks, format: number, file: string): Float32Array[] {
  if (format === WAVE_FORMAT.IMA_ADPCM && wav.format.numChannels !== 1) {
    // wavefile's IMA ADPCM decoder reads a single block layout; interleaved stereo blocks come out as noise
    throw new AudioFileError(file, `unsupported WAV encoding: ${wav.format.numChannels}-channel IMA ADPCM (only mono)`);
  }
  const expanded = new WaveFile() as unknown as ExpandedWav & { fromBuffer(bytes: Uint8Array, samples: boolean): void };
  try {
    expanded.fromBuffer(fmtAndData(wav), true);
    if (format === WAVE_FORMAT.ALAW) expanded.fromALaw('16');
    else if (format === WAVE_FORMAT.MULAW) expanded.fromMuLaw('16');
    else expanded.fromIMAADPCM('16');
  } catch (err) {
    throw new AudioFileError(file, `malformed WAV: cannot expand format 0x${format.toString(16).padStart(4, '0')}: ${(err as Error).message}`);
  }
  return readSampleWords(expanded.fmt, expanded.data.samples, wav.littleEndian, false, file); // wavefile writes RIFX as RIFX
}

/** A minimal WAVE file: header, the 'fmt ' chunk as found, and the data the file holds. */
function fmtAndData(wav: WavChunks): Uint8Array {
  const fmt = wav.fmtBytes;
  const fmtPadded = fmt.length + (fmt.length & 1);
  const out = new Uint8Array(12 + 8 + fmtPadded + 8 + wav.data.length);
  const v = new DataView(out.buffer);
  const le = wav.littleEndian;
  const ascii = (at: number, s: string) => out.set([...s].map((c) => c.charCodeAt(0)), at);
  ascii(0, le ? 'RIFF' : 'RIFX');
  v.setUint32(4, out.length - 8, le);
  ascii(8, 'WAVEfmt ');
  v.setUint32(16, fmt.length, le);
  out.set(fmt, 20);
  ascii(20 + fmtPadded, 'data');
  v.setUint32(24 + fmtPadded, wav.data.length, le);
  out.set(wav.data, 28 + fmtPadded);
  return out;
}
