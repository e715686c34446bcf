/**
 * Build WAV files byte by byte, so tests know exactly which sample words they decode (and can lie in the
 * header on purpose: truncation, odd formats).
 */
export interface WavSpec {
  /** 1 = PCM, 3 = IEEE float, anything else for unsupported-format tests */
  format: number;
  bits: number;
  sampleRate: number;
  /** channel-interleaved sample values in [-1, 1] (floats) or raw integers (PCM) */
  frames: number[][];
  /** write WAVE_FORMAT_EXTENSIBLE with `format` as the subformat, as ffmpeg does for float and > 16 bits */
  extensible?: boolean;
  /** the data chunk size to claim; default: the real size */
  claimedDataBytes?: number;
  bigEndian?: boolean;
}

export function wavBytes(spec: WavSpec): Uint8Array {
  const channels = spec.frames[0]?.length ?? 1;
  const bytesPerSample = Math.ceil(spec.bits / 8);
  const blockAlign = channels * bytesPerSample;
  const data = new Uint8Array(spec.frames.length * blockAlign);
  const view = new DataView(data.buffer);
  const le = !spec.bigEndian;
  spec.frames.forEach((frame, i) =>
    frame.forEach((value, c) => writeSample(view, i * blockAlign + c * bytesPerSample, value, spec, le)),
  );

  const fmtSize = spec.extensible ? 40 : 16;
  const out = new Uint8Array(12 + 8 + fmtSize + 8 + data.length);
  const o = new DataView(out.buffer);
  const ascii = (offset: number, text: string) => [...text].forEach((ch, i) => (out[offset + i] = ch.charCodeAt(0)));
  ascii(0, spec.bigEndian ? 'RIFX' : 'RIFF');
  o.setUint32(4, out.length - 8, le);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  o.setUint32(16, fmtSize, le);
  o.setUint16(20, spec.extensible ? 0xfffe : spec.format, le);
  o.setUint16(22, channels, le);
  o.setUint32(24, spec.sampleRate, le);
  o.setUint32(28, spec.sampleRate * blockAlign, le);
  o.setUint16(32, blockAlign, le);
  o.setUint16(34, spec.bits, le);
  if (spec.extensible) {
    o.setUint16(36, 22, le); // cbSize
    o.setUint16(38, spec.bits, le); // valid bits
    o.setUint32(40, 0, le); // channel mask
    // subformat GUID: format tag, then the fixed KSDATAFORMAT suffix
    o.setUint32(44, spec.format, le);
    o.setUint32(48, 0x00100000, le);
    o.setUint32(52, 0xaa000080, le);
    o.setUint32(56, 0x719b3800, le);
  }
  const dataAt = 20 + fmtSize;
  ascii(dataAt, 'data');
  o.setUint32(dataAt + 4, spec.claimedDataBytes ?? data.length, le);
  out.set(data, dataAt + 8);
  return out;
}

function writeSample(view: DataView, offset: number, value: number, spec: WavSpec, le: boolean): void {
  if (spec.format === 3) {
    if (spec.bits === 32) view.setFloat32(offset, value, le);
    else view.setFloat64(offset, value, le);
    return;
  }
  switch (Math.ceil(spec.bits / 8)) {
    case 1:
      view.setUint8(offset, value);
      break;
    case 2:
      view.setInt16(offset, value, le);
      break;
    case 3: {
      const v = value < 0 ? value + 0x1000000 : value;
      const bytes = [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff];
      (le ? bytes : bytes.reverse()).forEach((b, k) => view.setUint8(offset + k, b));
      break;
    }
    default:
      view.setInt32(offset, value, le);
  }
}
