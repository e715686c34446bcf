/**
 * Paging on degraded participants: every alert of a monitor's `alerts$` (raised and cleared) is POSTed as
 * JSON to a webhook (Slack/Mattermost-style incoming webhooks read `text`; the rest is for your own
 * receiver). A failed POST is retried a few times and then reported, never thrown into the monitor.
 */

/**
 * The body posted for one alert.
 * @param {import('@callmos/server').MonitorAlert} alert
 */
export function alertPayload(alert) {
  const who = typeof alert.appData.name === 'string' ? alert.appData.name : alert.producerId;
  const text =
    alert.kind === 'raised'
      ? `callmos: ${who} in room ${alert.room} sounds degraded (MOS ${alert.mos.toFixed(2)}, ${alert.reason})`
      : `callmos: ${who} in room ${alert.room} recovered (MOS ${alert.mos.toFixed(2)}, ${alert.reason})`;
  return {
    text,
    kind: alert.kind,
    room: alert.room,
    producerId: alert.producerId,
    participant: who,
    mos: alert.mos,
    band: alert.band,
    reason: alert.reason,
    /** stream seconds: when the trouble began and when this alert fired */
    since: alert.since,
    at: alert.at,
    sentAt: new Date().toISOString(),
  };
}

/**
 * @typedef {object} WebhookOptions
 * @property {Record<string, string>} [headers] e.g. { Authorization: 'Bearer …' }
 * @property {number} [retries] default 3
 * @property {number} [timeoutMs] per attempt, default 5000
 * @property {(error: Error, alert: import('@callmos/server').MonitorAlert) => void} [onError] default console.error
 * @property {(status: number, alert: import('@callmos/server').MonitorAlert) => void} [onSent]
 */

/**
 * Subscribes to `alerts$` and posts each alert to `url`. Unsubscribe the result to stop.
 * @param {import('rxjs').Observable<import('@callmos/server').MonitorAlert>} alerts$
 * @param {string} url
 * @param {WebhookOptions} [options]
 * @returns {import('rxjs').Subscription}
 */
export function postAlertsToWebhook(alerts$, url, { headers = {}, retries = 3, timeoutMs = 5000, onError, onSent } = {}) {
  new URL(url); // a bad URL fails here, at start-up, not at the first alert
  const post = async (/** @type {import('@callmos/server').MonitorAlert} */ alert) => {
    const body = JSON.stringify(alertPayload(alert));
    let lastError = new Error('not sent');
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...headers },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (res.ok) {
          onSent?.(res.status, alert);
          return;
        }
        lastError = new Error(`webhook ${url} answered ${res.status}`);
        if (res.status < 500) break; // the receiver refuses this body: retrying will not help
      } catch (err) {
        lastError = /** @type {Error} */ (err);
      }
    }
    (onError ?? ((e) => console.error(`callmos alerting: ${e.message}`)))(lastError, alert);
  };
  return alerts$.subscribe((alert) => void post(alert));
}
