/**
 * Every way an audio file can fail to decode, as one error type that names the file, so a batch run can
 * print `path: problem` and move on to the next file.
 */
import { CallmosError } from '@callmos/core';

export class AudioFileError extends CallmosError<'AUDIO_FILE_INVALID'> {
  override readonly name = 'AudioFileError';

  constructor(
    /** the file as the caller named it */
    readonly file: string,
    /** what is wrong, without the file name (e.g. "truncated WAV: header says 64000 bytes of data, file has 1200") */
    readonly problem: string,
  ) {
    super('AUDIO_FILE_INVALID', `${file}: ${problem}`);
  }
}
