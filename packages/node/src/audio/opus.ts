import { AudioFileError } from './audio-file-error.js';
import type { DecodedChannels } from './decoded-audio.js';

/**
 * Opus packets decoded to mono at 16 kHz. Both Ogg and WebM/Matroska end here: the demuxers only find the
 * OpusHead and the packets, so one decoder (opus-decoder, libopus in WASM) serves both containers.
 *
 * 16 kHz because that is the models' rate (libopus resamples internally, no second resampler) and it keeps
 * a decoded hour at 230 MB of mono float instead of 690 MB at 48 kHz.
 */
export const OPUS_OUTPUT_RATE = 16000;
/** Packets handed to the decoder per call: the decoder's output for a batch is downmixed before the next. */
const PACKETS_PER_BATCH = 500;

/** RFC 7845 §5.1 identification header, the fields the decoder needs. */
export interface OpusHead {
  channels: number;
  /** samples at 48 kHz to drop from the start (encoder delay) */
  preSkip: number;
  mappingFamily: number;
  streamCount: number;
  coupledStreamCount: number;
  channelMapping: number[];
}

export function parseOpusHead(data: Uint8Array, file: string, container: string): OpusHead {
  const magic = String.fromCharCode(...data.subarray(0, 8));
  if (magic !== 'OpusHead' || data.length < 19) throw new AudioFileError(file, `malformed ${container}: no valid OpusHead`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const channels = data[9];
  const mappingFamily = data[18];
  if (channels === 0) throw new AudioFileError(file, `malformed ${container}: OpusHead says 0 channels`);
  if (mappingFamily === 0) {
    if (channels > 2) throw new AudioFileError(file, `malformed ${container}: ${channels} channels need a channel mapping table`);
    return { channels, preSkip: view.getUint16(10, true), mappingFamily, streamCount: 1, coupledStreamCount: channels - 1, channelMapping: channels === 1 ? [0] : [0, 1] };
  }
  if (data.length < 21 + channels) throw new AudioFileError(file, `malformed ${container}: OpusHead channel mapping table is cut short`);
  return {
    channels,
    preSkip: view.getUint16(10, true),
    mappingFamily,
    streamCount: data[19],
    coupledStreamCount: data[20],
    channelMapping: Array.from(data.subarray(21, 21 + channels)),
  };
}

/** Decode the packets; a packet libopus rejects fails the file (a partial decode would be scored as if whole). */
export async function decodeOpusPackets(head: OpusHead, packets: readonly Uint8Array[], file: string, container: string): Promise<DecodedChannels> {
  if (packets.length === 0) return { channelData: [new Float32Array(0)], sampleRate: OPUS_OUTPUT_RATE };
  const { OpusDecoder } = await import('opus-decoder');
  const decoder = new OpusDecoder({
    sampleRate: OPUS_OUTPUT_RATE,
    channels: head.channels,
    streamCount: head.streamCount,
    coupledStreamCount: head.coupledStreamCount,
    channelMappingTable: head.channelMapping,
    // OpusHead counts pre-skip at 48 kHz; opus-decoder drops that many samples at its output rate
    preSkip: Math.round((head.preSkip * OPUS_OUTPUT_RATE) / 48000),
  });
  const pieces: Float32Array[] = [];
  let total = 0;
  try {
    await decoder.ready;
    for (let at = 0; at < packets.length; at += PACKETS_PER_BATCH) {
      const batch = packets.slice(at, at + PACKETS_PER_BATCH);
      const decoded = quietly(() => {
        try {
          return decoder.decodeFrames(batch);
        } catch (err) {
          // a packet larger than the decoder's input buffer throws a RangeError from the copy
          throw new AudioFileError(file, `corrupt ${container}: Opus packet near packet ${at} cannot be decoded: ${(err as Error).message}`);
        }
      });
      if (decoded.errors.length > 0) {
        const first = decoded.errors[0];
        throw new AudioFileError(file, `corrupt ${container}: ${first.message} (${decoded.errors.length} bad packet(s), first at packet ${first.frameNumber})`);
      }
      const mono = averageChannels(decoded.channelData, decoded.samplesDecoded);
      pieces.push(mono);
      total += mono.length;
    }
  } finally {
    decoder.free();
  }
  return { channelData: [concat(pieces, total)], sampleRate: OPUS_OUTPUT_RATE };
}

/**
 * opus-decoder also console.error()s each libopus error; the CLI reports it once, as one line naming the
 * file, so silence that duplicate while the (synchronous) decode runs.
 */
function quietly<T>(run: () => T): T {
  const original = console.error;
  console.error = () => undefined;
  try {
    return run();
  } finally {
    console.error = original;
  }
}

function averageChannels(channelData: Float32Array[], length: number): Float32Array {
  const mono = new Float32Array(length);
  for (const channel of channelData) for (let i = 0; i < length; i++) mono[i] += channel[i];
  if (channelData.length > 1) for (let i = 0; i < length; i++) mono[i] /= channelData.length;
  return mono;
}

export function concat(pieces: readonly Float32Array[], total: number): Float32Array {
  const out = new Float32Array(total);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}
