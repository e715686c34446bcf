import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { AUDIO_FILE_EXTENSIONS } from '../audio-file.js';
import { STDIN_NAME } from './read-input.js';

/** What the command line named, expanded: files to score, and inputs that yielded nothing (with why). */
export interface AudioFileList {
  files: string[];
  problems: Array<{ input: string; problem: string }>;
}

/**
 * Expand files and directories into the audio files to score. A file named on the command line is taken
 * whatever its extension (decoding will say if it is not audio); directories are walked recursively for
 * .wav/.flac (any case), each directory's entries sorted by name so the order never depends on the file
 * system. Files named twice are scored once. `-` (stdin) is passed through.
 */
export async function findAudioFiles(inputs: readonly string[]): Promise<AudioFileList> {
  const files: string[] = [];
  const problems: AudioFileList['problems'] = [];
  for (const input of inputs) {
    if (input === STDIN_NAME) {
      files.push(input);
      continue;
    }
    const info = await stat(input).catch(() => null);
    if (info === null) {
      // Left in the list so the decoder reports it like any other unreadable file, in order.
      files.push(input);
    } else if (info.isDirectory()) {
      const found = await walk(input);
      if (found.length === 0) problems.push({ input, problem: `no ${AUDIO_FILE_EXTENSIONS.join('/')} files in directory` });
      files.push(...found);
    } else {
      files.push(input);
    }
  }
  return { files: [...new Set(files)], problems };
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const found: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await walk(path)));
    else if (isAudioFileName(entry.name)) found.push(path);
  }
  return found;
}

function isAudioFileName(name: string): boolean {
  return (AUDIO_FILE_EXTENSIONS as readonly string[]).includes(extname(name).toLowerCase());
}
