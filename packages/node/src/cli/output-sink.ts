import { closeSync, openSync, writeSync } from 'node:fs';

/** Where results are written: a file (-o) or stdout. */
export interface OutputSink {
  write(text: string): void;
  close(): void;
}

/** Opens (and truncates) the file now, so an unwritable -o fails before any file is scored. */
export function fileSink(path: string): OutputSink {
  const fd = openSync(path, 'w');
  return {
    write: (text) => void writeSync(fd, text),
    close: () => closeSync(fd),
  };
}

export function stdoutSink(): OutputSink {
  // `callmos score dir | head` closes the pipe early; that is the reader's choice, not an error
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  return {
    write: (text) => void process.stdout.write(text),
    close: () => undefined,
  };
}
