/** A decoded file before downmixing: one Float32Array per channel, samples in [-1, 1]. */
export interface DecodedChannels {
  channelData: Float32Array[];
  sampleRate: number;
}

/** What `readAudioFile` returns: mono samples plus the facts of the source. */
export interface AudioClip {
  /** mono (channels averaged), nominally in [-1, 1] */
  samples: Float32Array;
  sampleRate: number;
  /** channel count of the source file, before downmixing */
  channels: number;
  /** seconds */
  duration: number;
}
