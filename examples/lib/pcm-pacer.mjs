/**
 * Plays a clip in a loop, in real time, into a writable stream (ffmpeg's stdin): 20 ms of 16-bit PCM
 * at a time, paced by the wall clock (a late timer catches up instead of drifting). Whoever drives it
 * knows exactly where in the clip the call is (`position`), so things that must happen at a point of
 * the clip (a network fault in a scripted phase) follow the audio, not a second clock.
 */
export class PcmPacer {
  /** samples written so far (grows past the clip length: the loop count is position / clip length) */
  position = 0;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  #timer;
  #startedAt = 0;
  #pcm;
  #rate;
  #out;

  /**
   * @param {Float32Array} clip mono samples in [-1, 1] @param {number} rate their sample rate
   * @param {import('node:stream').Writable} out
   */
  constructor(clip, rate, out) {
    this.#pcm = Buffer.alloc(clip.length * 2);
    for (let i = 0; i < clip.length; i++) this.#pcm.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(clip[i] * 32767))), i * 2);
    this.#rate = rate;
    this.#out = out;
    out.on('error', () => this.stop()); // ffmpeg went away: its own exit is reported by the sender
  }

  /** seconds of audio played so far */
  get seconds() {
    return this.position / this.#rate;
  }

  start() {
    this.#startedAt = performance.now();
    const tick = () => {
      const due = Math.floor(((performance.now() - this.#startedAt) / 1000) * this.#rate);
      const frame = this.#rate / 50; // 20 ms
      while (this.position + frame <= due) {
        const n = this.#pcm.length / 2;
        const at = this.position % n;
        const chunk = at + frame <= n ? this.#pcm.subarray(at * 2, (at + frame) * 2) : Buffer.concat([this.#pcm.subarray(at * 2), this.#pcm.subarray(0, (at + frame - n) * 2)]);
        if (!this.#out.writable) return;
        this.#out.write(chunk);
        this.position += frame;
      }
    };
    tick();
    this.#timer = setInterval(tick, 10);
  }

  stop() {
    clearInterval(this.#timer);
  }
}
