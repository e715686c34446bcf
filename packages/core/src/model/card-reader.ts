import { CardError } from './errors.js';

/** A JSON value and where it sits in the card, e.g. `card.input.windowFrames`. */
export interface CardField {
  value: unknown;
  path: string;
}

/**
 * Typed reads of untrusted JSON that record a problem instead of throwing, so that parsing goes on and
 * the final CardError lists every problem at once.
 *
 * Readers of required fields return their type; after a problem they return `undefined` cast to it,
 * which is safe because `throwIfAny()` runs before a parsed card is handed out.
 */
export class CardReader {
  private readonly problems: string[] = [];

  static show(value: unknown): string {
    if (value === undefined) return 'nothing';
    if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
    const json = JSON.stringify(value);
    return json.length > 60 ? `${json.slice(0, 57)}...` : json;
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  throwIfAny(): void {
    if (this.problems.length > 0) throw new CardError(this.problems);
  }

  child(parent: Record<string, unknown>, parentPath: string, key: string): CardField {
    return { value: parent[key], path: `${parentPath}.${key}` };
  }

  /** A JSON object, or undefined (problem recorded) when it is anything else. */
  object(f: CardField): Record<string, unknown> | undefined {
    if (typeof f.value === 'object' && f.value !== null && !Array.isArray(f.value)) {
      return f.value as Record<string, unknown>;
    }
    return this.bad<undefined>(f, 'an object');
  }

  /** Runs `read` only when the field is present; undefined when absent (null counts as absent). */
  optional<T>(f: CardField, read: (f: CardField) => T): T | undefined {
    return f.value === undefined || f.value === null ? undefined : read(f);
  }

  string(f: CardField): string {
    return typeof f.value === 'string' ? f.value : this.bad(f, 'a string');
  }

  nonEmptyString(f: CardField): string {
    return typeof f.value === 'string' && f.value.trim() !== '' ? f.value : this.bad(f, 'a non-empty string');
  }

  boolean(f: CardField): boolean {
    return typeof f.value === 'boolean' ? f.value : this.bad(f, 'true or false');
  }

  finite(f: CardField): number {
    return typeof f.value === 'number' && Number.isFinite(f.value) ? f.value : this.bad(f, 'a finite number');
  }

  /** An integer >= min (min 1 reads as "a positive integer"). */
  integer(f: CardField, min: number): number {
    if (Number.isInteger(f.value) && (f.value as number) >= min) return f.value as number;
    const what = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
    return this.bad(f, what);
  }

  literal<const T extends string | number>(f: CardField, allowed: readonly T[]): T {
    if (allowed.includes(f.value as T)) return f.value as T;
    return this.bad(f, allowed.map((a) => JSON.stringify(a)).join(' or '));
  }

  /** An array whose items are each read by `item` (paths `path[0]`, `path[1]`, ...). */
  array<T>(f: CardField, item: (f: CardField) => T): T[] {
    if (!Array.isArray(f.value)) return this.bad(f, 'an array');
    return f.value.map((value, i) => item({ value, path: `${f.path}[${i}]` }));
  }

  /** An object of finite numbers, e.g. golden dims. */
  numberRecord(f: CardField): Record<string, number> {
    const o = this.object(f);
    if (o === undefined) return undefined as never;
    return Object.fromEntries(Object.keys(o).map((k) => [k, this.finite(this.child(o, f.path, k))]));
  }

  private bad<T>(f: CardField, expected: string): T {
    this.problems.push(
      f.value === undefined ? `${f.path} is missing (expected ${expected})` : `${f.path} must be ${expected}, got ${CardReader.show(f.value)}`,
    );
    return undefined as T;
  }
}
