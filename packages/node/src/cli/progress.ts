/** The bits of a stream the progress display needs (process.stderr, or a fake in tests). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const BAR_WIDTH = 24;
/** Files at least this long (seconds) get progress within the file: scoring an hour takes minutes. */
export const LONG_FILE_S = 120;
/** Off a terminal, a long file logs a line at each quarter. */
const LOG_STEPS = 4;

/**
 * Progress over a batch of files on stderr. On a terminal: one line redrawn in place, cleared before any
 * other message so errors never land in the middle of the bar. Elsewhere (CI logs, pipes): a plain
 * "scored 3/10" line per file, since carriage returns would only pile up in a log.
 */
export class Progress {
  private done = 0;
  private lineShown = false;
  private lastFile = '';
  /** within the current long file: fraction done, and the last quarter logged off a terminal */
  private within: { file: string; fraction: number; logged: number } | null = null;

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

  /** Progress inside one file; shown only for files of LONG_FILE_S or more, even when the run is one file. */
  fileProgress(file: string, scoredS: number, durationS: number): void {
    if (durationS < LONG_FILE_S) return;
    if (this.within?.file !== file) this.within = { file, fraction: 0, logged: 0 };
    const fraction = Math.min(1, scoredS / durationS);
    this.within.fraction = fraction;
    if (this.stream.isTTY) {
      this.redrawWithin();
      return;
    }
    const step = Math.floor(fraction * LOG_STEPS);
    if (step > this.within.logged && step < LOG_STEPS) {
      this.within.logged = step;
      this.stream.write(`callmos: ${file}: ${Math.round(fraction * 100)}% (${formatClock(scoredS)} of ${formatClock(durationS)})\n`);
    }
  }

  /** Mark one more file finished (scored or failed). */
  advance(currentFile: string): void {
    this.within = null;
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

  private redrawWithin(): void {
    if (!this.within) return;
    const { file, fraction } = this.within;
    const filled = Math.round(fraction * BAR_WIDTH);
    const files = this.total > 1 ? ` file ${this.done + 1}/${this.total}` : '';
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${Math.round(fraction * 100)}%${files}`;
    const room = (this.stream.columns ?? 80) - bar.length - 2;
    this.stream.write(`\r\x1b[2K${bar}${room > 8 ? ` ${ellipsize(file, room)}` : ''}`);
    this.lineShown = true;
  }

  private redraw(): void {
    if (this.within && this.stream.isTTY) {
      this.redrawWithin();
      return;
    }
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

function formatClock(seconds: number): string {
  const s = Math.floor(seconds);
  const hms = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  return (hms[0] > 0 ? hms : hms.slice(1)).map((n, i) => (i === 0 ? String(n) : String(n).padStart(2, '0'))).join(':');
}

function ellipsize(text: string, width: number): string {
  return text.length <= width ? text : `...${text.slice(text.length - width + 3)}`;
}
