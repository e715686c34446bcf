/**
 * The largest single buffer a function asks for: the global typed-array and ArrayBuffer constructors are
 * wrapped while it runs, so a decoder that sizes a buffer from a header (instead of from the bytes it
 * has) shows up here before it can take the machine's memory. Buffers made by slicing an existing one
 * (never larger than it) are not seen, nor are WebAssembly heaps.
 */
const WRAPPED = ['ArrayBuffer', 'Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array'] as const;

type Ctor = { new (...args: unknown[]): unknown; BYTES_PER_ELEMENT?: number };

function requestedBytes(ctor: Ctor, args: unknown[]): number {
  const [first] = args;
  const width = ctor.BYTES_PER_ELEMENT ?? 1;
  if (typeof first === 'number') return first * width;
  if (first && typeof first === 'object' && 'length' in first && typeof (first as { length: unknown }).length === 'number') {
    return (first as { length: number }).length * width;
  }
  return 0; // a view on an existing buffer allocates nothing
}

export async function largestAllocation<T>(fn: () => Promise<T>): Promise<{ result: PromiseSettledResult<T>; largest: number }> {
  const g = globalThis as unknown as Record<string, Ctor>;
  const originals = WRAPPED.map((name) => [name, g[name]!] as const);
  let largest = 0;
  for (const [name, original] of originals) {
    g[name] = new Proxy(original, {
      construct(target, args, newTarget) {
        largest = Math.max(largest, requestedBytes(target, args));
        return Reflect.construct(target, args, newTarget === g[name] ? target : newTarget) as object;
      },
    });
  }
  try {
    const [result] = await Promise.allSettled([fn()]);
    return { result, largest };
  } finally {
    for (const [name, original] of originals) g[name] = original;
  }
}
