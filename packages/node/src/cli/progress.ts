/** The bits of a stream the progress display needs (process.stderr, or a fake in tests). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const BAR_WIDTH = 24;

/**
 * Progress over a batch of files on stderr. On a terminal: one line redrawn in place, cleared before any
 * other message so errors never land in the middle of the bar. Elsewhere (CI logs, pipes): a plain
 * "scored 3/10" line per file, since carriage returns would only pile up in a log.
 */
export class Progress {
  private done = 0;
  private lineShown = false;
  private lastFile = '';

  constructor(
    private readonly stream: ProgressStream,
    private readonly total: number,
    /** off for a single file: a bar that jumps from 0 to 1 says nothing */
    private readonly enabled: boolean = total > 1,
  ) {}

  /** Print a message line (an error or a note) without corrupting the bar. */
  message(line: string): void {
    this.clearLine();
    this.stream.write(`${line}\n`);
    this.redraw();
  }

  /** Mark one more file finished (scored or failed). */
  advance(currentFile: string): void {
    this.done++;
    this.lastFile = currentFile;
    if (!this.enabled) return;
    if (this.stream.isTTY) this.redraw();
    else this.stream.write(`callmos: scored ${this.done}/${this.total}\n`);
  }

  /** Remove the bar at the end of the run. */
  finish(): void {
    this.clearLine();
  }

  private redraw(): void {
    if (!this.enabled || !this.stream.isTTY || this.done === 0) return;
    const filled = Math.round((this.done / this.total) * BAR_WIDTH);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${this.done}/${this.total}`;
    const room = (this.stream.columns ?? 80) - bar.length - 2;
    const name = room > 8 && this.lastFile ? ` ${ellipsize(this.lastFile, room)}` : '';
    this.stream.write(`\r\x1b[2K${bar}${name}`);
    this.lineShown = true;
  }

  private clearLine(): void {
    if (!this.lineShown) return;
    this.stream.write('\r\x1b[2K');
    this.lineShown = false;
  }
}

function ellipsize(text: string, width: number): string {
  return text.length <= width ? text : `...${text.slice(text.length - width + 3)}`;
}
