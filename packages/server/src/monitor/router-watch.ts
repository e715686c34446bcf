/**
 * What a QualityMonitor listens to on the mediasoup side, and how it stops listening: router.observer
 * 'newtransport' -> transport.observer 'newproducer' -> each producer's pause/resume/close, plus the router's
 * and its worker's close. Every listener put on an object is remembered by that object, so one call takes
 * them all off again (a closed producer, a closed transport, or the whole monitor), and nothing of the monitor
 * stays reachable from mediasoup's objects after it.
 */
import type { Producer, Router, Transport, Worker } from 'mediasoup/types';

/** The off() for each object listened to (the router, a transport, a producer, a scoring). */
export class Listeners {
  private readonly offs = new Map<object, () => void>();

  /** Remembers how to remove the listeners put on `target` (replacing what was there). */
  add(target: object, off: () => void): void {
    this.offs.set(target, off);
  }

  /** Removes the listeners put on `target` (none: nothing happens). */
  remove(target: object): void {
    const off = this.offs.get(target);
    this.offs.delete(target);
    off?.();
  }

  removeAll(): void {
    for (const target of [...this.offs.keys()]) this.remove(target);
  }
}

export interface RouterWatchHandlers {
  /** a producer was made on a transport of the router other than `ownTransportId` */
  producer(producer: Producer, transportId: string): void;
  /** the router closed (the app closed it, or its worker closed) */
  routerClosed(): void;
  /** the router's worker closed: `death` says how when it died (or nobody can tell: no `worker` given) */
  workerClosed(death: string | undefined): void;
}

/**
 * Listens to `router` for transports (but `ownTransportId`, the monitor's own) and their producers.
 * Transports made before this call are not reachable from the Router's public API (their producers are not
 * announced again): a monitor is attached before the app creates transports.
 */
export function watchRouter(router: Router, ownTransportId: string, worker: Worker | undefined, handlers: RouterWatchHandlers, listeners: Listeners): void {
  const onTransport = (transport: Transport) => watchTransport(transport, ownTransportId, handlers, listeners);
  const onRouterClose = () => handlers.routerClosed();
  const onWorkerClose = () => {
    if (worker && !worker.died) return handlers.routerClosed();
    handlers.workerClosed(worker ? `died (pid ${worker.pid})` : undefined);
  };
  router.observer.on('newtransport', onTransport);
  router.observer.on('close', onRouterClose);
  router.on('workerclose', onWorkerClose);
  listeners.add(router, () => {
    router.observer.off('newtransport', onTransport);
    router.observer.off('close', onRouterClose);
    router.off('workerclose', onWorkerClose);
  });
}

function watchTransport(transport: Transport, ownTransportId: string, handlers: RouterWatchHandlers, listeners: Listeners): void {
  if (transport.id === ownTransportId) return;
  const onProducer = (producer: Producer) => handlers.producer(producer, transport.id);
  const onClose = () => listeners.remove(transport);
  transport.observer.on('newproducer', onProducer);
  transport.observer.on('close', onClose);
  listeners.add(transport, () => {
    transport.observer.off('newproducer', onProducer);
    transport.observer.off('close', onClose);
  });
}

export interface ProducerWatchHandlers {
  pause(): void;
  resume(): void;
  close(): void;
}

/** Listens to one producer's pause, resume and close (`listeners.remove(producer)` stops it). */
export function watchProducer(producer: Producer, handlers: ProducerWatchHandlers, listeners: Listeners): void {
  const { pause, resume, close } = handlers;
  producer.observer.on('pause', pause);
  producer.observer.on('resume', resume);
  producer.observer.on('close', close);
  listeners.add(producer, () => {
    producer.observer.off('pause', pause);
    producer.observer.off('resume', resume);
    producer.observer.off('close', close);
  });
}
