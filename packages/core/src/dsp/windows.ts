/**
 * Sliding model-input windows over STFT frames (docs/ARCHITECTURE.md "Features").
 *
 * Window k covers frames [k * hop, k * hop + W) and is ready when its last frame arrives. Frames are
 * computed once by the STFT and stored once, in hop-long blocks already in the model's layout (channel,
 * bin, frame; frames fastest); a window is the blocks it spans (window-frames.ts), and its
 * [2, 161, W] array is only made for a consumer that asks for it (`frames.toArray()`).
 *
 * Peak normalisation (card `input.peakNormalize`) is done in the spectral domain: the released student
 * peak-normalises each window's waveform before the STFT, and since compression is |X|^0.3, dividing the
 * waveform by max(peak, 1e-4) equals multiplying the compressed frames by max(peak, 1e-4)^-0.3, where peak
 * is the largest |sample| any of the window's frames covers (tested against features.compressed_stft of the
 * peak-normalised waveform for a window starting at frame 0). Frames being shared, a window's first and
 * last frames see the real samples around it, not a reflect-padded crop of the window
 * (docs/ARCHITECTURE.md defines windows this way).
 */
import { N_BINS, peakGain } from './constants.js';
import { BlockWindowFrames, type FrameRows } from './window-frames.js';

export interface FrameWindowerOptions {
  /** W: frames per window (card `input.windowFrames`) */
  windowFrames: number;
  /** frames between window starts (card `input.hopFrames`) */
  hopFrames: number;
  /** card `input.peakNormalize` */
  peakNormalize: boolean;
  /**
   * Frames whose energy is above this (dB) count toward each window's `activePower` (the speech gate's
   * threshold: signal-evidence.ts reads the bandwidth from the active frames). Without it, no activePower.
   */
  activeAboveDb?: number;
}

/** What the windower needs of a frame; a StftFrame is one. */
export interface WindowerFrame {
  readonly index: number;
  /** [re(161) | im(161)] compressed spectrum */
  readonly data: Float32Array;
  readonly peak: number;
  readonly energyDb: number;
}

/** A model-input window. Owned by the caller: the windower never touches it again. */
export interface FrameWindow {
  /** k: window number since the stream start */
  index: number;
  /** first frame, k * hop */
  startFrame: number;
  /** one past the last frame, startFrame + W */
  endFrame: number;
  /**
   * the window's values [2, 161, W] (channel 0 real, channel 1 imaginary, frames fastest), peak-normalised
   * when asked: copied out by range (copyRows), or as one array (toArray(), made on first use)
   */
  frames: FrameRows;
  /** largest |sample| the window's frames cover */
  peak: number;
  /** the factor applied to `frames`: max(peak, 1e-4)^-0.3 with peak normalisation, else 1 */
  gain: number;
  /** per-frame energy in dB (the speech-activity gate's input), W values */
  energiesDb: Float64Array;
  /** per-frame largest |sample|, W values (flat tops at one level are clipping: signal-evidence.ts) */
  peaks: Float64Array;
  /**
   * Per bin (161), the sum over the window's frames with energyDb > activeAboveDb of re^2 + im^2 of the
   * compressed spectrum (before `gain`): the bandwidth estimate's input, summed per hop block as frames
   * arrive, so a window adds a few blocks instead of reading its 2 x 161 x W values again. Present when the
   * windower was given activeAboveDb and W is a whole number of hops.
   */
  activePower?: Float64Array;
}

const FRAME_VALUES = 2 * N_BINS;

export class FrameWindower {
  readonly windowFrames: number;
  readonly hopFrames: number;
  readonly peakNormalize: boolean;
  /**
   * Frames in blocks of hopFrames, block b = frames [b * hop, (b + 1) * hop), each [322, hop]; a block is
   * filled once and never written again (windows hold it), so a full block is replaced, not reused.
   * Only the blocks the next window can still need are kept here.
   */
  private blocks: Float32Array[] = [];
  /** per block, the active frames' power per bin (FrameWindow.activePower), parallel to `blocks` */
  private blockPower: Float64Array[] = [];
  private readonly activeAboveDb: number | undefined;
  /** index of blocks[0] */
  private firstBlock = 0;
  /** per-frame peak and energy of the last W frames, slot = frame index % W */
  private readonly peaks: Float64Array;
  private readonly energies: Float64Array;
  private nextFrame = 0;

  constructor({ windowFrames, hopFrames, peakNormalize, activeAboveDb }: FrameWindowerOptions) {
    if (!Number.isInteger(windowFrames) || windowFrames < 1) {
      throw new RangeError(`windowFrames must be a positive integer, got ${windowFrames}`);
    }
    if (!Number.isInteger(hopFrames) || hopFrames < 1) {
      throw new RangeError(`hopFrames must be a positive integer, got ${hopFrames}`);
    }
    this.windowFrames = windowFrames;
    this.hopFrames = hopFrames;
    this.peakNormalize = peakNormalize;
    // blocks sum whole windows only when a window is whole blocks
    this.activeAboveDb = windowFrames % hopFrames === 0 ? activeAboveDb : undefined;
    this.peaks = new Float64Array(windowFrames);
    this.energies = new Float64Array(windowFrames);
  }

  /** Frames pushed since the stream start (= the index the next frame must have). */
  get framesSeen(): number {
    return this.nextFrame;
  }

  /**
   * Stores a frame (copying it: StftFrame objects are reused) and returns the window it completes, if any.
   * At most one window completes per frame because hop >= 1. Frames must come in order from index 0.
   */
  push(frame: WindowerFrame): FrameWindow | null {
    if (frame.index !== this.nextFrame) {
      throw new RangeError(`FrameWindower expected frame ${this.nextFrame}, got ${frame.index}`);
    }
    if (frame.data.length !== FRAME_VALUES) {
      throw new RangeError(`frame data must hold ${FRAME_VALUES} values, got ${frame.data.length}`);
    }
    const hop = this.hopFrames;
    const i = frame.index;
    const b = Math.floor(i / hop);
    if (i % hop === 0) {
      this.blocks.push(new Float32Array(FRAME_VALUES * hop));
      if (this.activeAboveDb !== undefined) this.blockPower.push(new Float64Array(N_BINS));
      // the next window to complete starts at the first multiple of hop with its end still ahead
      const nextStart = Math.max(0, Math.ceil((i + 1 - this.windowFrames) / hop)) * hop;
      const keepFrom = Math.floor(nextStart / hop);
      if (keepFrom > this.firstBlock) {
        this.blocks = this.blocks.slice(keepFrom - this.firstBlock);
        this.blockPower = this.blockPower.slice(keepFrom - this.firstBlock);
        this.firstBlock = keepFrom;
      }
    }
    const block = this.blocks[b - this.firstBlock]!;
    const slot = i % hop;
    const src = frame.data;
    for (let v = 0; v < FRAME_VALUES; v++) block[v * hop + slot] = src[v]!;
    if (this.activeAboveDb !== undefined && frame.energyDb > this.activeAboveDb) {
      const power = this.blockPower[b - this.firstBlock]!;
      for (let k = 0; k < N_BINS; k++) power[k] += src[k]! * src[k]! + src[N_BINS + k]! * src[N_BINS + k]!;
    }
    const ring = i % this.windowFrames;
    this.peaks[ring] = frame.peak;
    this.energies[ring] = frame.energyDb;
    this.nextFrame++;
    const startFrame = this.nextFrame - this.windowFrames;
    if (startFrame < 0 || startFrame % hop !== 0) return null;
    return this.assemble(startFrame);
  }

  /** Forgets all frames; the next push() must be frame 0 of a new stream. */
  reset(): void {
    this.nextFrame = 0;
    this.blocks = [];
    this.blockPower = [];
    this.firstBlock = 0;
  }

  private assemble(startFrame: number): FrameWindow {
    const W = this.windowFrames;
    const hop = this.hopFrames;
    const { peaks, energies } = this;
    let peak = 0;
    for (let s = 0; s < W; s++) peak = Math.max(peak, peaks[s]!);
    const gain = this.peakNormalize ? peakGain(peak) : 1;
    const first = startFrame / hop - this.firstBlock;
    const spanned = this.blocks.slice(first, first + Math.ceil(W / hop));
    const frames = new BlockWindowFrames(spanned, hop, FRAME_VALUES, W, gain);
    let activePower: Float64Array | undefined;
    if (this.activeAboveDb !== undefined) {
      activePower = new Float64Array(N_BINS);
      for (const power of this.blockPower.slice(first, first + W / hop)) for (let k = 0; k < N_BINS; k++) activePower[k] += power[k]!;
    }
    const energiesDb = new Float64Array(W);
    const framePeaks = new Float64Array(W);
    for (let f = 0; f < W; f++) {
      const slot = (startFrame + f) % W;
      energiesDb[f] = energies[slot]!;
      framePeaks[f] = peaks[slot]!;
    }
    return {
      index: startFrame / hop,
      startFrame,
      endFrame: startFrame + W,
      frames,
      peak,
      gain,
      energiesDb,
      peaks: framePeaks,
      ...(activePower ? { activePower } : {}),
    };
  }
}
