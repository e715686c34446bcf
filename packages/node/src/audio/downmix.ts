/**
 * Average the channels into one. Averaging (not summing) keeps the level of a dual-mono recording, which
 * matters because the quality model reads absolute loudness.
 */
export function downmixToMono(channelData: readonly Float32Array[]): Float32Array {
  if (channelData.length === 1) return channelData[0];
  const length = Math.min(...channelData.map((channel) => channel.length));
  const mono = new Float32Array(length);
  for (const channel of channelData) {
    for (let i = 0; i < length; i++) mono[i] += channel[i];
  }
  const scale = 1 / channelData.length;
  for (let i = 0; i < length; i++) mono[i] *= scale;
  return mono;
}

/** Index of the first NaN or infinite sample, or -1. Only float encodings can hold them. */
export function findNonFiniteSample(channelData: readonly Float32Array[]): { channel: number; index: number } | null {
  for (let channel = 0; channel < channelData.length; channel++) {
    const data = channelData[channel];
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) return { channel, index: i };
    }
  }
  return null;
}
