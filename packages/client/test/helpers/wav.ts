/** WAV writing for the tests: the examples' (16-bit PCM, what Chromium's fake microphone reads, or float32). */
export { writeWav } from '../../../../examples/lib/audio.mjs';
