/**
 * A bad network in a box: a UDP relay on 127.0.0.1 that forwards every datagram to `targetPort`, dropping
 * RTP packets (never RTCP) with probability `dropRate` while `dropping` is on. Seeded, so a run repeats.
 */
import { createSocket } from 'node:dgram';

export class LossyRelay {
  /** @type {import('node:dgram').Socket} */
  socket;
  /** switch packet loss on and off at any time */
  dropping = true;
  /** probability of dropping an RTP packet while dropping, 0..1 */
  dropRate;
  forwarded = 0;
  dropped = 0;
  /** @type {number} */
  #targetPort;
  /** @type {number} */
  #seed;

  /**
   * @param {import('node:dgram').Socket} socket @param {number} targetPort @param {number} dropRate @param {number} seed
   * @private use LossyRelay.start
   */
  constructor(socket, targetPort, dropRate, seed) {
    this.socket = socket;
    this.#targetPort = targetPort;
    this.dropRate = dropRate;
    this.#seed = seed >>> 0 || 1;
    socket.on('message', (msg) => this.#onMessage(msg));
  }

  /** @param {number} targetPort @param {number} dropRate @param {number} [seed] @returns {Promise<LossyRelay>} */
  static async start(targetPort, dropRate, seed = 12345) {
    const socket = createSocket('udp4');
    await new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve(undefined)));
    return new LossyRelay(socket, targetPort, dropRate, seed);
  }

  /** the port to send to */
  get port() {
    return this.socket.address().port;
  }

  close() {
    this.socket.close();
  }

  #random() {
    let s = this.#seed;
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    this.#seed = s >>> 0;
    return this.#seed / 0x100000000;
  }

  /** @param {Buffer} msg */
  #onMessage(msg) {
    const rtcp = msg.length > 1 && msg[1] >= 192 && msg[1] <= 223; // RFC 5761 section 4: RTCP packet types 192-223
    if (!rtcp && this.dropping && this.#random() < this.dropRate) {
      this.dropped++;
      return;
    }
    this.forwarded++;
    this.socket.send(msg, this.#targetPort, '127.0.0.1');
  }
}
