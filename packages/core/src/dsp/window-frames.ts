/**
 * A model-input window's values without a copy per window. Windows overlap (a 4 s window every 1 s hop
 * shares 3 s with the one before), so the windower keeps frames in hop-long blocks, written once and
 * never changed, and a window is its blocks plus where it starts. A consumer copies the rows and frames
 * it needs straight into its own batch: streamed inference reads a hop and an edge of each window, a
 * whole-window run all of it, the bandwidth estimate all of it once. At 32 streams per core, a fresh
 * [2, 161, 400] array per window was most of the plugin's allocation and paced its garbage collection.
 */

/** Values [rows, frames] in the model's layout (row-major, frames fastest), read by copying. */
export interface FrameRows {
  /** frames (W for a model window) */
  readonly frameCount: number;
  /** rows: 2 x 161 for a model window (real bins, then imaginary) */
  readonly rowCount: number;
  /**
   * Copies rows [firstRow, firstRow + rows) of frames [from, from + count) to `into` from `at`, laid out
   * `[rows, count]`: `into[at + r * count + f] = value(firstRow + r, from + f)`.
   */
  copyRows(firstRow: number, rows: number, from: number, count: number, into: Float32Array, at: number): void;
  /** All of it as one [rowCount, frameCount] array (made on first use and kept, where it is not one already). */
  toArray(): Float32Array;
}

/** What a window can be handed over as: its values laid out [rows, frames], or rows to copy from. */
export type WindowValues = Float32Array | FrameRows;

/**
 * `copyRows` for either kind of window; a Float32Array is [rowCount, frames] with `frames` per row.
 * Throws RangeError when the range is outside the window.
 */
export function copyWindowRows(
  src: WindowValues,
  frames: number,
  firstRow: number,
  rows: number,
  from: number,
  count: number,
  into: Float32Array,
  at: number,
): void {
  if (!(src instanceof Float32Array)) {
    src.copyRows(firstRow, rows, from, count, into, at);
    return;
  }
  checkRange(Math.floor(src.length / frames), frames, firstRow, rows, from, count, into, at);
  let to = at;
  for (let r = firstRow; r < firstRow + rows; r++) {
    const start = r * frames + from;
    // a plain loop, not set(subarray()): a view per row is a heap object, and this runs per row of every window
    for (let i = start; i < start + count; i++) into[to++] = src[i]!;
  }
}

/** An array laid out [rows, frames] as FrameRows (its toArray() is the array itself). */
export function arrayRows(data: Float32Array, frames: number): FrameRows {
  return {
    frameCount: frames,
    rowCount: Math.floor(data.length / frames),
    copyRows: (firstRow, rows, from, count, into, at) => copyWindowRows(data, frames, firstRow, rows, from, count, into, at),
    toArray: () => data,
  };
}

/** The number of values a window holds: rows x frames. */
export function windowValueCount(src: WindowValues): number {
  return src instanceof Float32Array ? src.length : src.rowCount * src.frameCount;
}

function checkRange(rowCount: number, frameCount: number, firstRow: number, rows: number, from: number, count: number, into: Float32Array, at: number): void {
  const ok =
    Number.isInteger(firstRow) && Number.isInteger(rows) && Number.isInteger(from) && Number.isInteger(count) && Number.isInteger(at) &&
    firstRow >= 0 && rows >= 0 && firstRow + rows <= rowCount && from >= 0 && count >= 0 && from + count <= frameCount &&
    at >= 0 && at + rows * count <= into.length;
  if (!ok) {
    throw new RangeError(`rows [${firstRow}, +${rows}) of frames [${from}, +${count}) into ${into.length} floats at ${at}: outside a window of ${rowCount} rows x ${frameCount} frames`);
  }
}

/**
 * One window over a stream's frame blocks: block b holds frames [b * blockFrames, (b + 1) * blockFrames),
 * laid out [rowCount, blockFrames]. The blocks are shared with the stream's other windows and never
 * written again where this window reads them. `gain` (peak normalisation) is applied as values are copied.
 */
export class BlockWindowFrames implements FrameRows {
  private array: Float32Array | undefined;

  constructor(
    /** the blocks the window spans, the first holding its frame 0 at slot 0 */
    private readonly blocks: readonly Float32Array[],
    private readonly blockFrames: number,
    readonly rowCount: number,
    readonly frameCount: number,
    readonly gain: number,
  ) {}

  copyRows(firstRow: number, rows: number, from: number, count: number, into: Float32Array, at: number): void {
    checkRange(this.rowCount, this.frameCount, firstRow, rows, from, count, into, at);
    const { blocks, blockFrames: bf, gain } = this;
    let to = at;
    for (let r = firstRow; r < firstRow + rows; r++) {
      const rowAt = r * bf;
      for (let f = from; f < from + count; ) {
        const block = blocks[Math.floor(f / bf)]!;
        const slot = f % bf;
        const n = Math.min(bf - slot, from + count - f);
        const start = rowAt + slot;
        for (let i = start; i < start + n; i++) into[to++] = block[i]! * gain;
        f += n;
      }
    }
  }

  toArray(): Float32Array {
    if (this.array === undefined) {
      this.array = new Float32Array(this.rowCount * this.frameCount);
      this.copyRows(0, this.rowCount, 0, this.frameCount, this.array, 0);
    }
    return this.array;
  }
}
