/**
 * Fuzzing model-card parsing: any JSON value (and any JS value a caller might hand it), the shipped cards
 * with one field replaced by anything, removed, or joined by unknown keys, and valid cards generated
 * field by field. parseModelCard must return a card or throw CardError (every problem naming its JSON
 * path); a card it accepts must come back unchanged, extra fields included (cards are forward-compatible
 * within cardVersion 1), and parse the same again after a trip through JSON.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CardError, parseModelCard, type ModelCard } from '../../src/model/card.js';
import { fixtureCardJson } from '../model/fixtures.js';
import { fc, fuzz } from '../../../../test/helpers/fuzz.js';

const shipped = ['tiny', 'small'].map((name) => JSON.parse(readFileSync(new URL(`../../../../models/${name}/card.json`, import.meta.url), 'utf8')) as Record<string, unknown>);
const bases = [...shipped, fixtureCardJson()];

/** parseModelCard, asserting CardError is its only error and that each problem names a card path. */
function parseOrProblems(json: unknown): ModelCard | string[] {
  try {
    return parseModelCard(json);
  } catch (err) {
    if (!(err instanceof CardError)) throw err;
    expect(err.problems.length).toBeGreaterThan(0);
    for (const p of err.problems) expect(p).toMatch(/^card\b/);
    return [...err.problems];
  }
}

/** Every path (list of keys) to a value inside a JSON tree. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

type Edit = { kind: 'set'; value: unknown } | { kind: 'delete' } | { kind: 'add'; key: string; value: unknown };

function edit(json: unknown, path: (string | number)[], e: Edit): unknown {
  const copy = structuredClone(json) as Record<string | number, unknown>;
  if (path.length === 0) return e.kind === 'set' ? e.value : copy;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (e.kind === 'set') parent[last] = e.value;
  else if (e.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else if (parent[last] && typeof parent[last] === 'object' && !Array.isArray(parent[last])) {
    (parent[last] as Record<string, unknown>)[e.key] = e.value;
  }
  return copy;
}

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }).map((value): Edit => ({ kind: 'set', value })),
  fc.constantFrom<unknown>(0, -1, 1.5, 1e308, '', ' ', 'repeat', null, true, [], {}, [1, 5], [5, 1], 16000, 161, 2).map((value): Edit => ({ kind: 'set', value })),
  fc.constant<Edit>({ kind: 'delete' }),
  fc.tuple(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 1 })).map(([key, value]): Edit => ({ kind: 'add', key, value })),
);

/** A card built field by field within the rules (the parser must accept it as it is). */
const validCard = fc
  .record({
    name: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() !== ''),
    version: fc.constantFrom('0.0.1', '1.3.0', '2.0.0-rc.1'),
    params: fc.nat(),
    windowFrames: fc.integer({ min: 1, max: 2000 }),
    hopRatio: fc.double({ min: 0, max: 1, noNaN: true }),
    peakNormalize: fc.boolean(),
    range: fc.tuple(fc.double({ min: -10, max: 10, noNaN: true }), fc.double({ min: 0.001, max: 10, noNaN: true })),
    dims: fc.option(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s.trim() !== ''), { minLength: 1, maxLength: 6 })),
    golden: fc.option(fc.array(fc.record({ file: fc.constantFrom('a.wav', 'fixtures/clean-tts.wav'), mos: fc.option(fc.double({ min: 1, max: 5, noNaN: true })), windows: fc.nat(50) }), { maxLength: 3 })),
    extra: fc.dictionary(fc.constantFrom('license', 'createdAt', 'notes'), fc.jsonValue({ maxDepth: 1 })),
    shortClip: fc.boolean(),
  })
  .map((c) => ({
    ...c.extra,
    cardVersion: 1,
    name: c.name,
    version: c.version,
    params: c.params,
    sampleRate: 16000,
    input: { name: 'frames', kind: 'compressed-stft', channels: 2, bins: 161, windowFrames: c.windowFrames, hopFrames: Math.max(1, Math.floor(c.windowFrames * c.hopRatio)), peakNormalize: c.peakNormalize },
    outputs: { mos: { name: 'mos', range: [c.range[0], c.range[0] + c.range[1]] }, ...(c.dims ? { dims: { name: 'dims', names: c.dims } } : {}) },
    ...(c.shortClip ? { shortClip: 'repeat' } : {}),
    ...(c.golden ? { golden: c.golden } : {}),
  }));

describe('parseModelCard (fuzz)', () => {
  it('returns a card or CardError for any JSON value, and for any JS value', () => {
    fuzz('card any value', 1500, fc.property(fc.oneof(fc.jsonValue(), fc.anything()), (json) => void parseOrProblems(json)));
  });

  it('a shipped card with one field replaced, removed or joined by unknown keys parses or says what is wrong', () => {
    const edited = fc.tuple(fc.nat(bases.length - 1), fc.nat(), editArb).map(([b, p, e]) => {
      const base = bases[b]!;
      const all = paths(base);
      return JSON.parse(JSON.stringify(edit(base, all[p % all.length]!, e)) ?? 'null') as unknown; // as read from a file (-0 is 0)
    });
    fuzz('card one edit', 3000, fc.property(edited, (json) => {
      const r = parseOrProblems(json);
      if (Array.isArray(r)) return;
      // accepted: nothing the card said is lost or changed, and it parses the same after a JSON trip
      expect(r).toEqual({ shortClip: 'repeat', ...(stripNulls(json) as object) });
      expect(parseModelCard(JSON.parse(JSON.stringify(r)))).toEqual(r);
    }));
  });

  it('accepts a card built within the rules, unchanged (serialize -> parse)', () => {
    fuzz('card valid round trip', 1000, fc.property(validCard, (built) => {
      const json = JSON.parse(JSON.stringify(built)) as Record<string, unknown>; // (-0 reads back as 0)
      expect(parseModelCard(json)).toEqual({ shortClip: 'repeat', ...json });
    }));
  });
});

/** Optional blocks given as null read as absent (CardReader.optional). */
function stripNulls(json: unknown): unknown {
  const optional = ['description', 'use', 'shortClip', 'calibration', 'training', 'accuracy', 'golden'];
  if (!json || typeof json !== 'object') return json;
  const o = { ...(json as Record<string, unknown>) };
  for (const k of optional) if (o[k] === null) delete o[k];
  const outputs = o.outputs as Record<string, unknown> | undefined;
  if (outputs && outputs.dims === null) {
    const { dims: _, ...rest } = outputs;
    o.outputs = rest;
  }
  if (Array.isArray(o.golden)) {
    o.golden = o.golden.map((g: Record<string, unknown>) => {
      const c = { ...g };
      for (const k of ['dims', 'windows']) if (c[k] === null) delete c[k];
      return c;
    });
  }
  return o;
}

describe('parseModelCard regressions found by fuzzing', () => {
  it("keeps unknown fields inside input and outputs too (the factory's outputs.dims.meaning was dropped)", () => {
    const json = fixtureCardJson();
    json.outputs.dims = { name: 'dims', names: ['noisiness'], meaning: { noisiness: '1 bad .. 5 good' } };
    json.input.note = 'added by a later factory';
    json.outputs.mos.calibrated = true;
    const card = parseModelCard(json);
    expect(card.outputs.dims).toEqual(json.outputs.dims);
    expect(card).toEqual(json);
  });
});
