import { describe, expect, it } from 'vitest';
import { ReusableFloats } from '../../src/model/reusable-floats.js';

describe('ReusableFloats', () => {
  it('lends the same memory run after run, grown when a run needs more', () => {
    const r = new ReusableFloats();
    const a = r.borrow(100);
    expect(a.length).toBe(100);
    a.fill(1);
    r.giveBack(a);
    const b = r.borrow(60);
    expect(b.length).toBe(60);
    expect(b.buffer).toBe(a.buffer); // a view of the kept buffer, holding the last run's values
    expect(b[59]).toBe(1);
    r.giveBack(b);
    const c = r.borrow(500);
    expect(c.length).toBe(500);
    expect(c.buffer).not.toBe(a.buffer);
    r.giveBack(c);
    expect(r.borrow(500).buffer).toBe(c.buffer);
  });

  it('gives a fresh array while the kept one is still lent out (overlapping runs never share memory)', () => {
    const r = new ReusableFloats();
    const a = r.borrow(10);
    const b = r.borrow(10);
    expect(b.buffer).not.toBe(a.buffer);
    r.giveBack(b); // not the kept buffer: the first is still out
    expect(r.borrow(10).buffer).not.toBe(a.buffer);
    r.giveBack(a);
    expect(r.borrow(10).buffer).toBe(a.buffer);
  });
});
