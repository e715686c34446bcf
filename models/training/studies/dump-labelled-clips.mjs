// The speech-detector bench's labelled clips (bench/speech/labelled-clips.mjs) as raw float32 16 kHz files and
// labels.json, for vad_head_probe.py: node models/training/studies/dump-labelled-clips.mjs SPLIT PER_CLASS SECONDS OUT
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLASSES, makeClip } from '../../../bench/speech/labelled-clips.mjs';

const [split, per, seconds, out] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), process.argv[5]];
if (!['tune', 'report'].includes(split) || !(per > 0) || !(seconds >= 4) || !out) {
  console.error('usage: dump-labelled-clips.mjs tune|report PER_CLASS SECONDS(>= 4) OUT');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const labels = [];
for (const cls of CLASSES) {
  for (let i = 0; i < per; i++) {
    const { samples } = await makeClip(split, cls, i, seconds);
    const file = `${cls.name.replace(/[^a-z0-9]+/gi, '_')}-${i}.f32`;
    writeFileSync(path.join(out, file), Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
    labels.push({ file, cls: cls.name, speech: cls.speech });
  }
}
writeFileSync(path.join(out, 'labels.json'), JSON.stringify(labels));
console.log(`${split}: ${labels.length} clips -> ${out}`);
