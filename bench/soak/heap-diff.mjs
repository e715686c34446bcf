#!/usr/bin/env node
/**
 * What grew between two V8 heap snapshots: objects counted and self sizes summed by constructor (or
 * string/closure/array), the largest growths first. For the soak's --heap-snapshots; a leak shows as a
 * type whose count grows with the number of streams that came and went.
 *
 *   node bench/soak/heap-diff.mjs warm.heapsnapshot end.heapsnapshot [top]
 */
import { readFileSync } from 'node:fs';

function census(path) {
  const snap = JSON.parse(readFileSync(path, 'utf8'));
  const { node_fields: fields, node_types: [types] } = snap.snapshot.meta;
  const width = fields.length;
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const out = new Map();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType]];
    const name = type === 'object' || type === 'closure' ? `${type} ${snap.strings[snap.nodes[i + iName]]}` : type;
    const c = out.get(name) ?? { count: 0, bytes: 0 };
    c.count++;
    c.bytes += snap.nodes[i + iSize];
    out.set(name, c);
  }
  return out;
}

const [a, b, top = '40'] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: node bench/soak/heap-diff.mjs A.heapsnapshot B.heapsnapshot [top]');
  process.exit(2);
}
const before = census(a);
const after = census(b);
const rows = [...new Set([...before.keys(), ...after.keys()])].map((name) => {
  const x = before.get(name) ?? { count: 0, bytes: 0 };
  const y = after.get(name) ?? { count: 0, bytes: 0 };
  return { name, count: y.count - x.count, bytes: y.bytes - x.bytes, countAfter: y.count };
});
rows.sort((p, q) => q.bytes - p.bytes);
const total = rows.reduce((s, r) => s + r.bytes, 0);
console.log(`total self size ${(total / 1e6).toFixed(3)} MB more in ${b}`);
for (const r of rows.slice(0, Number(top))) {
  console.log(`${(r.bytes / 1e3).toFixed(1).padStart(10)} KB ${String(r.count).padStart(8)} objects (now ${r.countAfter})  ${r.name}`);
}
