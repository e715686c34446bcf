import { AudioFileError, decodeAudioFile, readAudioFile, type AudioClip } from '../audio-file.js';

/** How `-` is named in output and errors. */
export const STDIN_NAME = '-';

/**
 * A file named on the command line, or `-` for stdin (`callmos score - < call.webm`, or a pipe from
 * ffmpeg or curl). The container is sniffed from the bytes, so stdin needs no extension or format flag.
 * stdin is read whole: the containers' decoders need the file's headers and (Ogg, WebM) its structure.
 */
export async function readInput(
  file: string,
  stdin: AsyncIterable<Uint8Array> & { isTTY?: boolean } = process.stdin,
): Promise<AudioClip> {
  if (file !== STDIN_NAME) return readAudioFile(file);
  // waiting for a recording to be typed in would look like a hang
  if (stdin.isTTY) throw new AudioFileError(STDIN_NAME, 'stdin is a terminal: pipe or redirect a file into it (callmos score - < call.webm)');
  const chunks: Uint8Array[] = [];
  for await (const chunk of stdin) chunks.push(chunk);
  return decodeAudioFile(Buffer.concat(chunks), STDIN_NAME);
}
