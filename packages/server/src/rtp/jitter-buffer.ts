/**
 * A bounded reordering buffer for one RTP stream. Packets come in arrival order and leave in sequence
 * order. A missing packet is waited for until `depth` newer packets are held; then it is declared lost
 * (the decoder conceals it) and the buffer moves on. Packets older than what already left are late and
 * dropped; duplicates too. Memory is bounded by `depth` packets whatever the input.
 *
 * Sequence numbers are 16 bits; they are unwrapped into a running (extended) number. A jump by more than
 * `maxJump` (a restarted sender, a new SSRC behind the same producer) is a stream reset: what is held
 * is released, then numbering starts again from the new packet.
 */
import type { RtpPacket } from './rtp-packet.js';

export type JitterOutput =
  | { kind: 'packet'; packet: RtpPacket }
  /** `count` consecutive packets never came (or came too late) */
  | { kind: 'lost'; count: number }
  /** numbering restarted (sequence jump or new SSRC): decoder state no longer applies */
  | { kind: 'reset'; reason: 'ssrc' | 'sequence-jump' };

export interface JitterBufferOptions {
  /** packets held while waiting for a missing one (20 ms each for usual Opus): the reordering depth; default 10 */
  depth?: number;
  /** a sequence step larger than this (either way) is a reset rather than loss or lateness; default 1000 */
  maxJump?: number;
}

export interface JitterBufferStats {
  received: number;
  released: number;
  lost: number;
  late: number;
  duplicates: number;
  resets: number;
  /** packets that arrived out of order but in time (put back in order) */
  reordered: number;
}

export class JitterBuffer {
  readonly depth: number;
  readonly maxJump: number;
  readonly stats: JitterBufferStats = { received: 0, released: 0, lost: 0, late: 0, duplicates: 0, resets: 0, reordered: 0 };
  private readonly held = new Map<number, RtpPacket>();
  private ssrc: number | undefined;
  /** extended sequence number of the next packet to release */
  private next = 0;
  /** highest extended sequence number seen (the unwrapping reference) */
  private highest = -1;

  constructor(options: JitterBufferOptions = {}) {
    this.depth = options.depth ?? 10;
    this.maxJump = options.maxJump ?? 1000;
    if (!(Number.isInteger(this.depth) && this.depth >= 1 && this.depth <= 1000)) {
      throw new RangeError(`jitter buffer depth must be an integer 1..1000, got ${options.depth}`);
    }
    if (!(Number.isInteger(this.maxJump) && this.maxJump > this.depth && this.maxJump < 0x8000)) {
      throw new RangeError(`maxJump must be an integer in (depth, 32768), got ${options.maxJump}`);
    }
  }

  /** Packets held right now. */
  get size(): number {
    return this.held.size;
  }

  push(packet: RtpPacket): JitterOutput[] {
    this.stats.received++;
    const out: JitterOutput[] = [];
    if (this.ssrc === undefined) {
      this.start(packet);
    } else if (packet.ssrc !== this.ssrc) {
      this.restart(packet, 'ssrc', out);
    }
    let ext = this.extend(packet.sequenceNumber);
    if (Math.abs(ext - Math.max(this.highest, this.next - 1)) > this.maxJump) {
      this.restart(packet, 'sequence-jump', out);
      ext = this.extend(packet.sequenceNumber);
    }
    if (ext < this.next) {
      this.stats.late++;
      return out;
    }
    if (this.held.has(ext)) {
      this.stats.duplicates++;
      return out;
    }
    if (ext < this.highest) this.stats.reordered++;
    this.highest = Math.max(this.highest, ext);
    this.held.set(ext, packet);
    this.release(out);
    return out;
  }

  /** Releases everything held, declaring the gaps lost (end of stream, pause). */
  flush(): JitterOutput[] {
    const out: JitterOutput[] = [];
    while (this.held.size > 0) this.skipToOldestHeld(out), this.releaseRun(out);
    return out;
  }

  private start(packet: RtpPacket): void {
    this.ssrc = packet.ssrc;
    this.next = packet.sequenceNumber;
    this.highest = packet.sequenceNumber - 1;
  }

  private restart(packet: RtpPacket, reason: 'ssrc' | 'sequence-jump', out: JitterOutput[]): void {
    out.push(...this.flush());
    this.stats.resets++;
    out.push({ kind: 'reset', reason });
    this.start(packet);
  }

  /** The extended number closest to the highest seen (or to the next to release before any packet). */
  private extend(seq: number): number {
    const ref = Math.max(this.highest, this.next);
    const base = ref - (ref & 0xffff);
    let ext = base + seq;
    if (ext - ref > 0x8000) ext -= 0x10000;
    else if (ref - ext > 0x8000) ext += 0x10000;
    return ext;
  }

  private release(out: JitterOutput[]): void {
    this.releaseRun(out);
    // Waited long enough for the missing packet: the buffer is full of newer ones.
    while (this.held.size > this.depth) {
      this.skipToOldestHeld(out);
      this.releaseRun(out);
    }
  }

  private releaseRun(out: JitterOutput[]): void {
    for (let p = this.held.get(this.next); p !== undefined; p = this.held.get(this.next)) {
      this.held.delete(this.next);
      this.next++;
      this.stats.released++;
      out.push({ kind: 'packet', packet: p });
    }
  }

  private skipToOldestHeld(out: JitterOutput[]): void {
    let oldest = Infinity;
    for (const k of this.held.keys()) if (k < oldest) oldest = k;
    if (oldest === Infinity || oldest <= this.next) return;
    const count = oldest - this.next;
    this.stats.lost += count;
    out.push({ kind: 'lost', count });
    this.next = oldest;
  }
}
