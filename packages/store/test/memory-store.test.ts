import { expect } from 'chai';
import { MemoryStore } from '../src/memory-store.js';

describe('MemoryStore', () => {
  let now = 0;
  const clock = () => now;

  beforeEach(() => (now = 1_000_000));

  it('returns what was set, as bytes', async () => {
    const store = new MemoryStore(10, clock);
    await store.set('a', 'text', 60);
    await store.set('b', Buffer.of(0, 255), 60);
    expect((await store.get('a'))?.toString()).to.equal('text');
    expect(await store.get('b')).to.deep.equal(Buffer.of(0, 255));
    expect(await store.get('missing')).to.equal(undefined);
  });

  it('expires an entry after its TTL', async () => {
    const store = new MemoryStore(10, clock);
    await store.set('a', 'v', 2);
    now += 1999;
    expect(await store.get('a')).to.not.equal(undefined);
    now += 1;
    expect(await store.get('a')).to.equal(undefined);
    expect(store.size).to.equal(0);
  });

  it('evicts the least recently used entry beyond its bound', async () => {
    const store = new MemoryStore(3, clock);
    for (const key of ['a', 'b', 'c']) await store.set(key, key, 60);
    await store.get('a'); // a is now the most recently used
    await store.set('d', 'd', 60);
    expect(store.size).to.equal(3);
    expect(await store.get('b')).to.equal(undefined);
    for (const key of ['a', 'c', 'd']) expect((await store.get(key))?.toString()).to.equal(key);
  });

  it('adds only when absent or expired', async () => {
    const store = new MemoryStore(10, clock);
    expect(await store.add('lease', 'one', 1)).to.equal('added');
    expect(await store.add('lease', 'two', 1)).to.equal('exists');
    expect((await store.get('lease'))?.toString()).to.equal('one');
    now += 1000;
    expect(await store.add('lease', 'three', 1)).to.equal('added');
  });

  it('deletes, telling whether the key was there', async () => {
    const store = new MemoryStore(10, clock);
    await store.set('a', 'v', 60);
    expect(await store.delete('a')).to.equal(true);
    expect(await store.delete('a')).to.equal(false);
    expect(await store.get('a')).to.equal(undefined);
  });
});
