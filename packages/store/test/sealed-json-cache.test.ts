import { expect } from 'chai';
import { createStore, SealedJsonCache, type Store } from '../src/index.js';

/** A store that counts its reads. */
function countingStore(): { store: Store; reads: () => number } {
  const inner = createStore({ secret: 'sixteen-chars-secret' });
  let reads = 0;
  const store: Store = Object.create(inner, { get: { value: (key: string) => (reads++, inner.get(key)) } });
  return { store, reads: () => reads };
}

describe('SealedJsonCache with local copies', () => {
  it('answers warm reads from this process: no store read, no decryption', async () => {
    const { store, reads } = countingStore();
    const cache = new SealedJsonCache<{ n: number }>(store, 'test', { localTtlSeconds: 10 });
    await cache.set('token-a', { n: 1 }, 60);
    for (let i = 0; i < 5; i++) expect(await cache.get('token-a')).to.deep.equal({ n: 1 });
    expect(reads()).to.equal(0);
    expect(cache.stats()).to.deep.equal({ hits: 5, misses: 0 });
  });

  it('keeps what it read from the store too, frozen, so no caller changes what the next one reads', async () => {
    const { store, reads } = countingStore();
    const writer = new SealedJsonCache<{ list: number[] }>(store, 'test');
    await writer.set('token-b', { list: [1] }, 60);
    const reader = new SealedJsonCache<{ list: number[] }>(store, 'test', { localTtlSeconds: 10 });
    const first = (await reader.get('token-b')) as { list: number[] };
    expect(() => first.list.push(2)).to.throw(TypeError);
    expect(await reader.get('token-b')).to.deep.equal({ list: [1] });
    expect(reads()).to.equal(1);
  });

  it('still applies `accept` to a local copy, and forgets it with the shared entry', async () => {
    const { store } = countingStore();
    const cache = new SealedJsonCache<{ n: number }>(store, 'test', { localTtlSeconds: 10 });
    await cache.set('token-c', { n: 2 }, 60);
    expect(await cache.get('token-c', (value) => value.n > 5)).to.equal(undefined);
    await cache.delete('token-c');
    expect(await cache.get('token-c')).to.equal(undefined);
  });

  it('never keeps a local copy longer than the shared entry lives', async () => {
    const { store } = countingStore();
    const cache = new SealedJsonCache<{ n: number }>(store, 'test', { localTtlSeconds: 10 });
    await cache.set('token-d', { n: 3 }, 1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await cache.get('token-d')).to.equal(undefined);
  });

  it('validates its options', () => {
    const { store } = countingStore();
    expect(() => new SealedJsonCache(store, 'test', { localTtlSeconds: -1 })).to.throw(/localTtlSeconds/);
  });
});
