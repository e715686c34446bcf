import * as wavefileModule from 'wavefile';
import { AudioFileError } from './audio-file-error.js';
import type { DecodedChannels } from './decoded-audio.js';

/** WAVE format tags (mmreg.h). EXTENSIBLE carries the real tag in the first 2 bytes of its subformat GUID. */
const WAVE_FORMAT = { PCM: 0x0001, IEEE_FLOAT: 0x0003, ALAW: 0x0006, MULAW: 0x0007, IMA_ADPCM: 0x0011, EXTENSIBLE: 0xfffe };
const UNSUPPORTED_FORMAT_NAMES: Record<number, string> = { 0x0002: 'MS ADPCM', 0x0031: 'GSM 6.10', 0x0055: 'MPEG layer 3' };
/** Streaming writers (ffmpeg to a pipe) and RF64 leave the data size at this "unknown" value. */
const UNKNOWN_CHUNK_SIZE = 0xffffffff;

/** The parts of wavefile's parsed state we read. Its typings call `fmt` and `data` plain `object`s. */
interface ParsedWav {
  container: string;
  fmt: { audioFormat: number; numChannels: number; sampleRate: number; blockAlign: number; bitsPerSample: number; subformat?: number[] };
  data: { chunkSize: number; samples: Uint8Array };
  fromALaw(bitDepth?: string): void;
  fromMuLaw(bitDepth?: string): void;
  fromIMAADPCM(bitDepth?: string): void;
}

/**
 * Decode a RIFF/RIFX/RF64 WAVE file. wavefile parses the chunks and expands the companded codecs; the
 * sample words are read here because wavefile reads WAVE_FORMAT_EXTENSIBLE float32 (what ffmpeg writes for
 * pcm_f32le) as int32, and silently shortens a truncated data chunk instead of failing.
 */
export function decodeWav(bytes: Uint8Array, file: string): DecodedChannels {
  const wav = parseChunks(bytes, file);
  const { fmt, data } = wav;
  if (data.chunkSize !== UNKNOWN_CHUNK_SIZE && data.chunkSize > data.samples.length) {
    throw new AudioFileError(
      file,
      `truncated WAV: header says ${data.chunkSize} bytes of data, file has ${data.samples.length}`,
    );
  }
  if (!(fmt.numChannels >= 1)) throw new AudioFileError(file, `malformed WAV: ${fmt.numChannels} channels`);
  if (!(fmt.sampleRate > 0)) throw new AudioFileError(file, `malformed WAV: sample rate ${fmt.sampleRate}`);

  // Read before expanding a codec: wavefile rebuilds `fmt` from scratch when it does.
  const { sampleRate } = fmt;
  const format = effectiveFormat(fmt);
  switch (format) {
    case WAVE_FORMAT.PCM:
    case WAVE_FORMAT.IEEE_FLOAT:
      return {
        channelData: readSampleWords(wav, format === WAVE_FORMAT.IEEE_FLOAT, file),
        sampleRate,
      };
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

function parseChunks(bytes: Uint8Array, file: string): ParsedWav {
  const wav = new WaveFile();
  try {
    // samples=true copies the data chunk so it can be read after parsing
    wav.fromBuffer(bytes, true);
  } catch (err) {
    const message = (err as Error).message;
    const missingChunk = /find the "(data|fmt )" chunk/.exec(message)?.[1];
    if (missingChunk) throw new AudioFileError(file, `truncated or malformed WAV: no '${missingChunk}' chunk`);
    throw new AudioFileError(file, `malformed WAV: ${message}`);
  }
  return wav as unknown as ParsedWav;
}

function effectiveFormat(fmt: ParsedWav['fmt']): number {
  if (fmt.audioFormat === WAVE_FORMAT.EXTENSIBLE && fmt.subformat && fmt.subformat.length > 0) {
    return fmt.subformat[0] & 0xffff;
  }
  return fmt.audioFormat;
}

/** Integer PCM (8-bit offset binary, 16/24/32-bit two's complement, any valid bits left-justified) or float 32/64. */
function readSampleWords(wav: ParsedWav, isFloat: boolean, file: string): Float32Array[] {
  const { numChannels, blockAlign, bitsPerSample } = wav.fmt;
  // The container width comes from blockAlign: 20-bit audio sits left-justified in 24-bit words.
  const bytesPerSample = blockAlign / numChannels;
  const supported = isFloat ? bytesPerSample === 4 || bytesPerSample === 8 : bytesPerSample >= 1 && bytesPerSample <= 4;
  if (!Number.isInteger(bytesPerSample) || !supported) {
    const kind = isFloat ? 'float' : 'PCM';
    throw new AudioFileError(file, `unsupported WAV encoding: ${bitsPerSample}-bit ${kind} in ${blockAlign}-byte frames of ${numChannels} channels`);
  }
  const bytes = wav.data.samples;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const littleEndian = wav.container !== 'RIFX';
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

/** A-law, µ-law and IMA ADPCM: let wavefile expand them to 16-bit PCM, then read that. */
function expandToPcm16(wav: ParsedWav, format: number, file: string): Float32Array[] {
  if (format === WAVE_FORMAT.IMA_ADPCM && wav.fmt.numChannels !== 1) {
    // wavefile's IMA ADPCM decoder reads a single block layout; interleaved stereo blocks come out as noise
    throw new AudioFileError(file, `unsupported WAV encoding: ${wav.fmt.numChannels}-channel IMA ADPCM (only mono)`);
  }
  try {
    if (format === WAVE_FORMAT.ALAW) wav.fromALaw('16');
    else if (format === WAVE_FORMAT.MULAW) wav.fromMuLaw('16');
    else wav.fromIMAADPCM('16');
  } catch (err) {
    throw new AudioFileError(file, `malformed WAV: cannot expand format 0x${format.toString(16).padStart(4, '0')}: ${(err as Error).message}`);
  }
  return readSampleWords(wav, false, file);
}
