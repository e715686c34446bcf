/**
 * Mono mix of one AudioWorklet input (one Float32Array per channel): the mean of the channels, the same
 * downmix @callmos/node applies to files, so a stereo track scores as its file would.
 */
export function downmixInto(channels: readonly Float32Array[], out: Float32Array): Float32Array {
  const n = channels[0]?.length ?? 0;
  const mono = out.length >= n ? out.subarray(0, n) : new Float32Array(n);
  if (channels.length === 1) {
    mono.set(channels[0]!);
    return mono;
  }
  mono.fill(0);
  for (const ch of channels) for (let i = 0; i < n; i++) mono[i]! += ch[i]!;
  const scale = 1 / channels.length;
  for (let i = 0; i < n; i++) mono[i]! *= scale;
  return mono;
}
