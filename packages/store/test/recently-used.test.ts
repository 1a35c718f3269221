import { expect } from 'chai';
import { RecentlyUsed } from '../src/recently-used.js';

describe('RecentlyUsed', () => {
  it('computes a value once per key', () => {
    const memo = new RecentlyUsed<number>(4);
    let calls = 0;
    const create = () => ++calls;
    expect(memo.getOrCreate('a', create)).to.equal(1);
    expect(memo.getOrCreate('a', create)).to.equal(1);
    expect(calls).to.equal(1);
  });

  it('keeps at most its capacity, dropping the least recently used', () => {
    const memo = new RecentlyUsed<string>(2);
    memo.getOrCreate('a', () => 'a1');
    memo.getOrCreate('b', () => 'b1');
    memo.getOrCreate('a', () => 'a2'); // a is now the most recent
    memo.getOrCreate('c', () => 'c1'); // drops b
    expect(memo.size).to.equal(2);
    expect(memo.getOrCreate('a', () => 'a3')).to.equal('a1');
    expect(memo.getOrCreate('b', () => 'b2')).to.equal('b2');
  });
});
