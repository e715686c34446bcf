import { CallmosError, type CallmosErrorCode } from '@callmos/core';

export type MonitorErrorCode = Extract<CallmosErrorCode, 'ROUTER_CLOSED' | 'PRODUCER_NOT_MONITORED' | 'WORKER_CLOSED' | 'MONITOR_FAILED'>;

/**
 * The monitor cannot do what was asked: attach to a closed router (ROUTER_CLOSED), give the stream of a
 * producer it does not watch (PRODUCER_NOT_MONITORED); or it stopped because the mediasoup worker closed
 * or died under it (WORKER_CLOSED, the error every observable ends with), or its own smoothing/alerting
 * pipeline failed (MONITOR_FAILED).
 */
export class MonitorError extends CallmosError<MonitorErrorCode> {
  override readonly name = 'MonitorError';
  constructor(code: MonitorErrorCode, message: string) {
    super(code, message);
  }
}
