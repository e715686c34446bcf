/**
 * A TelemetrySource that follows whichever monitor is current: when the mediasoup worker is killed and a
 * new router gets a new monitor, the WebSocket server (and its connected dashboards) stay, and the relay
 * forwards the new monitor's events. The old monitor's error (worker died) ends only its forwarding.
 */
import { BehaviorSubject, Subject } from 'rxjs';

export class MonitorRelay {
  /** @param {string} room */
  constructor(room) {
    this.room = room;
    this.scores$ = new Subject();
    this.alerts$ = new Subject();
    this.participants$ = new BehaviorSubject([]);
    this.room$ = new BehaviorSubject({ room, count: 0, scored: 0, worst: null, meanMos: null, degraded: 0, timestamp: Date.now() });
    /** @type {import('rxjs').Subscription[]} */
    this.subscriptions = [];
  }

  /** @param {import('@callmos/server').QualityMonitor} monitor */
  follow(monitor) {
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    const forward = (from, to) => from.subscribe({ next: (v) => to.next(v), error: () => undefined });
    this.subscriptions.push(
      forward(monitor.scores$, this.scores$),
      forward(monitor.alerts$, this.alerts$),
      forward(monitor.participants$, this.participants$),
      forward(monitor.room$, this.room$),
    );
  }
}
