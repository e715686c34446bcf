/**
 * A "bad call" switch for a microphone, in Web Audio: the clean path, or the same voice squeezed
 * through a narrowband "codec" (300-3400 Hz band, 5-bit quantisation) with white noise on top, so that
 * you can hear what the score reacts to. The output is a MediaStreamTrack, like a track you would send.
 */

/**
 * @param {AudioContext} ctx
 * @param {MediaStream} mic
 * @param {{ noiseLevel?: number, bits?: number }} [options] noise amplitude (RMS, full scale 1) and quantiser bits
 */
export function createDegrader(ctx, mic, { noiseLevel = 0.08, bits = 5 } = {}) {
  const source = ctx.createMediaStreamSource(mic);
  const out = ctx.createMediaStreamDestination();

  const clean = ctx.createGain();
  source.connect(clean).connect(out);

  // the "codec": telephone band, then a coarse quantiser (a WaveShaper curve with 2^bits steps)
  const highpass = new BiquadFilterNode(ctx, { type: 'highpass', frequency: 300, Q: 0.7 });
  const lowpass = new BiquadFilterNode(ctx, { type: 'lowpass', frequency: 3400, Q: 0.7 });
  const steps = 2 ** (bits - 1);
  const curve = new Float32Array(4096);
  for (let i = 0; i < curve.length; i++) {
    const x = (i / (curve.length - 1)) * 2 - 1;
    curve[i] = Math.round(x * steps) / steps;
  }
  const crush = new WaveShaperNode(ctx, { curve });
  const degraded = ctx.createGain();
  source.connect(highpass).connect(lowpass).connect(crush).connect(degraded).connect(out);

  // white noise: 2 s of it, looped
  const buffer = ctx.createBuffer(1, 2 * ctx.sampleRate, ctx.sampleRate);
  const data = buffer.getChannelData(0);
  for (let i = 0; i < data.length; i++) data[i] = (Math.random() * 2 - 1) * noiseLevel * Math.sqrt(3);
  const noise = new AudioBufferSourceNode(ctx, { buffer, loop: true });
  const noiseGain = ctx.createGain();
  noise.connect(noiseGain).connect(out);
  noise.start();

  const set = (/** @type {boolean} */ on) => {
    const t = ctx.currentTime;
    clean.gain.setTargetAtTime(on ? 0 : 1, t, 0.05);
    degraded.gain.setTargetAtTime(on ? 1 : 0, t, 0.05);
    noiseGain.gain.setTargetAtTime(on ? 1 : 0, t, 0.05);
  };
  set(false);

  return {
    /** the (possibly degraded) microphone, to monitor or send */
    track: out.stream.getAudioTracks()[0],
    setDegraded: set,
    /** plays the same mix to `destination` (ctx.destination: use headphones, or you feed the mic back) */
    connectListener(/** @type {AudioNode} */ destination) {
      clean.connect(destination);
      degraded.connect(destination);
      noiseGain.connect(destination);
    },
    disconnectListener(/** @type {AudioNode} */ destination) {
      for (const n of [clean, degraded, noiseGain]) n.disconnect(destination);
    },
  };
}
