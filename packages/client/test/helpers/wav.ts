/** Minimal WAV writing for the tests: 16-bit PCM (what Chromium's fake microphone reads) or float32. */
import { writeFileSync } from 'node:fs';

export function writeWav(path: string, samples: Float32Array, sampleRate: number, encoding: 'pcm16' | 'float32'): void {
  const bytesPerSample = encoding === 'pcm16' ? 2 : 4;
  const data = Buffer.alloc(samples.length * bytesPerSample);
  for (let i = 0; i < samples.length; i++) {
    if (encoding === 'pcm16') data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32767))), i * 2);
    else data.writeFloatLE(samples[i]!, i * 4);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(encoding === 'pcm16' ? 1 : 3, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * bytesPerSample, 28);
  header.writeUInt16LE(bytesPerSample, 32);
  header.writeUInt16LE(bytesPerSample * 8, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([header, data]));
}
