/** Input checks for the E-model: every bad number is a RangeError that names the input and the value. */

export interface NumberBounds {
  /** inclusive lower bound */
  min?: number;
  /** exclusive lower bound */
  above?: number;
  /** inclusive upper bound */
  max?: number;
}

/** Returns `value` when it is a finite number within the bounds; throws a RangeError naming `name` otherwise. */
export function requireFiniteInRange(name: string, value: number, bounds: NumberBounds = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number, got ${String(value)}`);
  }
  const { min, above, max } = bounds;
  const outside =
    (min !== undefined && value < min) || (above !== undefined && value <= above) || (max !== undefined && value > max);
  if (outside) throw new RangeError(`${name} must be ${describe(bounds)}, got ${value}`);
  return value;
}

function describe({ min, above, max }: NumberBounds): string {
  const lower = min !== undefined ? `>= ${min}` : above !== undefined ? `> ${above}` : undefined;
  const upper = max !== undefined ? `<= ${max}` : undefined;
  return [lower, upper].filter((s) => s !== undefined).join(' and ');
}
