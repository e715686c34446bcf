/**
 * WebSocket dashboards for the soak: one that stays connected the whole run and counts every score per
 * stream (the reference for "no telemetry lost on the wire"), and others that connect with a random filter,
 * stay a few seconds and leave, over and over (churn on the server's client list and subscriptions).
 */
import WebSocket from 'ws';

/** @param {string} url */
function connect(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

export class PersistentDashboard {
  /** @param {string} url */
  static async open(url) {
    const d = new PersistentDashboard();
    d.ws = await connect(url);
    d.ws.on('message', (data) => d.onMessage(JSON.parse(String(data))));
    d.ws.on('close', (code) => (d.closedWith = code));
    return d;
  }

  constructor() {
    /** @type {Record<string, number>} */
    this.byType = {};
    /** @type {Map<string, number>} scores per stream */
    this.scores = new Map();
    /** @type {number | null} */
    this.closedWith = null;
  }

  onMessage(m) {
    this.byType[m.type] = (this.byType[m.type] ?? 0) + 1;
    if (m.type === 'score') this.scores.set(m.data.streamId, (this.scores.get(m.data.streamId) ?? 0) + 1);
  }

  close() {
    const closed = new Promise((resolve) => this.ws.once('close', resolve));
    this.ws.close();
    return closed;
  }
}

export class DashboardChurn {
  /**
   * @param {string} url @param {number} concurrent how many come and go at once
   * @param {() => number} random @param {() => string[]} producerIds some current producers, for filters
   */
  constructor(url, concurrent, random, producerIds) {
    Object.assign(this, { url, random, producerIds });
    this.stats = { opened: 0, closed: 0, refused: 0, errors: 0, messages: 0, unexpectedCloses: 0 };
    this.stopped = false;
    /** @type {Set<() => void>} */
    this.wakers = new Set();
    this.loops = Array.from({ length: concurrent }, () => this.loop());
  }

  async loop() {
    while (!this.stopped) {
      await this.pause(500 + this.random() * 3000);
      if (this.stopped) break;
      const params = new URLSearchParams(new URL(this.url).search);
      const r = this.random();
      if (r < 0.3) params.set('types', 'score,alert');
      else if (r < 0.5) params.set('types', 'room');
      else if (r < 0.7) params.set('producer', this.producerIds().slice(0, 2).join(','));
      let ws;
      try {
        ws = await connect(`${this.url.split('?')[0]}?${params}`);
      } catch {
        this.stats.refused++;
        continue;
      }
      this.stats.opened++;
      let leaving = false;
      ws.on('message', () => this.stats.messages++);
      ws.on('error', () => this.stats.errors++);
      const closed = new Promise((resolve) => ws.once('close', resolve));
      void closed.then(() => (leaving ? undefined : this.stats.unexpectedCloses++));
      if (this.random() < 0.3) ws.send(JSON.stringify({ type: 'filter', types: ['score'] }));
      await this.pause(2000 + this.random() * 13000);
      leaving = true;
      ws.close();
      await closed;
      this.stats.closed++;
    }
  }

  /** Waits `ms`, or less when stop() is called. */
  pause(ms) {
    return new Promise((resolve) => {
      const done = () => (clearTimeout(timer), this.wakers.delete(done), resolve(undefined));
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  async stop() {
    this.stopped = true;
    for (const wake of [...this.wakers]) wake();
    await Promise.all(this.loops);
  }
}
