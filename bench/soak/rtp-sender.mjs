/** The main thread's handle on the RTP sender worker (rtp-sender-worker.mjs): add and remove streams. */
import { Worker } from 'node:worker_threads';

/**
 * @typedef {object} StreamPlan impairments in ms of stream time
 * @property {[number, number][]} loss spells of bursty loss
 * @property {number} lossRate drop probability inside a loss spell
 * @property {[number, number][]} reorder spells where packets may swap with the next
 * @property {number} reorderRate probability a packet is held back inside a reorder spell
 */

export class RtpSender {
  /** @param {Uint8Array[][]} clips */
  constructor(clips) {
    this.worker = new Worker(new URL('./rtp-sender-worker.mjs', import.meta.url), {
      workerData: { clips: clips.map((c) => c.map((p) => p.slice().buffer)) },
    });
    /** @type {Map<string, (stats: any) => void>} */
    this.removing = new Map();
    this.worker.on('message', (m) => {
      if (m.type === 'removed') {
        this.removing.get(m.id)?.(m.stats);
        this.removing.delete(m.id);
      }
    });
  }

  /**
   * Starts sending a stream: packets of clip `clip` from packet `offset`, RTP to 127.0.0.1:port.
   * @param {{ id: string, port: number, ssrc: number, payloadType: number, clip: number, offset: number, seq0: number, ts0: number, seed: number, plan: StreamPlan }} stream
   */
  add(stream) {
    this.worker.postMessage({ type: 'add', ...stream });
  }

  /** Stops a stream; resolves with what was sent (slots of 20 ms, delivered, lost, reordered, seconds). */
  remove(id) {
    return new Promise((resolve) => {
      this.removing.set(id, resolve);
      this.worker.postMessage({ type: 'remove', id });
    });
  }

  async stop() {
    this.worker.postMessage({ type: 'stop' });
    await new Promise((resolve) => this.worker.once('exit', resolve));
  }
}
