/**
 * <callmos-badge>: the band and MOS of one track, no framework. Bind it to a TrackMonitor or to any
 * Observable<ScoreEvent>:
 *
 *   badge.track = trackMonitor;              // or badge.track = monitor.scores$.pipe(...)
 *
 * Shows a coloured dot, the band and the smoothed MOS; the tooltip (title) lists the diagnostic
 * dimensions and network MOS. A polite aria-live region speaks only when the band changes: a new number
 * every second would drown a screen-reader user. Reflects `band` and `mos` attributes for styling
 * (`callmos-badge[band=poor] { ... }`) and exposes parts `badge`, `dot`, `band`, `mos`.
 */
import type { QualityBand, ScoreEvent } from '@callmos/core';
import { isObservable, type Observable, type Subscription } from 'rxjs';
import type { TrackMonitor } from '../monitor/track-monitor.js';
import { BAND_LABELS, bandAnnouncement, mosText, shownMos, tooltipText } from './format.js';

export type BadgeSource = TrackMonitor | Observable<ScoreEvent>;

// Importing this module in Node (SSR, tests) must not throw: HTMLElement only exists in browsers.
const Base: typeof HTMLElement = typeof HTMLElement === 'undefined' ? (class {} as unknown as typeof HTMLElement) : HTMLElement;

const STYLE = `
:host { display: inline-flex; font: 500 12px/1.2 system-ui, sans-serif; color: #1f2328; }
.badge { display: inline-flex; align-items: center; gap: 6px; padding: 3px 8px; border-radius: 999px; background: #f1f3f5; }
.dot { width: 8px; height: 8px; border-radius: 50%; background: #adb5bd; }
:host([band=good]) .dot { background: #2f9e44; }
:host([band=fair]) .dot { background: #f08c00; }
:host([band=poor]) .dot { background: #e03131; }
:host([band=poor]) .badge { background: #ffe3e3; }
.mos { font-variant-numeric: tabular-nums; opacity: 0.8; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

export class CallmosBadge extends Base {
  private source: BadgeSource | null = null;
  private subscription: Subscription | null = null;
  private lastBand: QualityBand | undefined;
  private parts: { band: HTMLElement; mos: HTMLElement; live: HTMLElement } | null = null;

  /** The bound TrackMonitor or observable; null unbinds. */
  get track(): BadgeSource | null {
    return this.source;
  }

  set track(source: BadgeSource | null) {
    this.unbind();
    this.source = source;
    this.lastBand = undefined;
    if (this.isConnected) this.bind();
  }

  connectedCallback(): void {
    this.ensureRendered();
    this.bind();
  }

  disconnectedCallback(): void {
    this.unbind();
  }

  private ensureRendered(): void {
    if (this.parts) return;
    const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
    root.innerHTML = `<style>${STYLE}</style>
      <span class="badge" part="badge"><span class="dot" part="dot"></span><span class="band" part="band">–</span><span class="mos" part="mos"></span></span>
      <span class="sr" role="status" aria-live="polite" aria-atomic="true"></span>`;
    this.parts = {
      band: root.querySelector('.band') as HTMLElement,
      mos: root.querySelector('.mos') as HTMLElement,
      live: root.querySelector('.sr') as HTMLElement,
    };
    this.render(undefined);
  }

  private bind(): void {
    if (!this.source || this.subscription) return;
    this.ensureRendered();
    const source = this.source;
    const scores = isObservable(source) ? source : source.scores$;
    if (!isObservable(source) && source.latest) this.render(source.latest);
    this.subscription = scores.subscribe({ next: (e) => this.render(e) });
  }

  private unbind(): void {
    this.subscription?.unsubscribe();
    this.subscription = null;
  }

  private label(): string | undefined {
    return this.getAttribute('label') ?? (this.source && !isObservable(this.source) ? this.source.label : undefined);
  }

  private render(event: ScoreEvent | undefined): void {
    if (!this.parts) return;
    const mos = shownMos(event);
    const band = event?.band;
    this.parts.band.textContent = band ? BAND_LABELS[band] : '–';
    this.parts.mos.textContent = mos === undefined ? '' : mosText(mos);
    this.title = tooltipText(event, this.label());
    if (band) this.setAttribute('band', band);
    else this.removeAttribute('band');
    if (mos !== undefined) this.setAttribute('mos', mos.toFixed(2));
    if (event) this.setAttribute('scored', String(event.scored));
    if (band && band !== this.lastBand) {
      this.parts.live.textContent = bandAnnouncement(band, this.label());
      this.lastBand = band;
    }
  }
}

/** Registers <callmos-badge> (or another tag name); harmless to call twice. */
export function defineCallmosBadge(tagName = 'callmos-badge'): void {
  if (typeof customElements === 'undefined') return;
  if (!customElements.get(tagName)) customElements.define(tagName, class extends CallmosBadge {});
}
