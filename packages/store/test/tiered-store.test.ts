import { expect } from 'chai';
import { startMemcached, type MemcachedServer } from '@k2k/testing';
import { createStore, type Store } from '../src/index.js';

const SECRET = 'tiered-test-secret';

describe('tiered backend', () => {
  let server: MemcachedServer;
  let store: Store;

  beforeEach(async () => {
    server = await startMemcached();
    store = createStore({ backend: 'tiered', servers: [server.location], secret: SECRET, timeoutMs: 150, l1TtlSeconds: 60 });
  });

  afterEach(async () => {
    await store.close();
    await server.kill();
  });

  it('answers a hot key from its in-process L1 without a round trip', async () => {
    await store.set('hot', 'v', 60);
    await server.kill(); // L2 gone: only L1 can answer now
    expect((await store.get('hot'))?.toString()).to.equal('v');
    expect(store.stats().errors).to.equal(0);
  });

  it('fills L1 from L2 on a miss', async () => {
    const other = createStore({ backend: 'memcached', servers: [server.location], secret: SECRET });
    await other.set('shared', 'from another process', 60);
    await other.close();
    expect((await store.get('shared'))?.toString()).to.equal('from another process');
    await server.kill();
    expect((await store.get('shared'))?.toString()).to.equal('from another process');
  });

  it('takes leases in L2 only, so processes agree', async () => {
    const other = createStore({ backend: 'tiered', servers: [server.location], secret: SECRET });
    try {
      expect(await store.add('lease', 'a', 10)).to.equal('added');
      expect(await other.add('lease', 'b', 10)).to.equal('exists');
    } finally {
      await other.close();
    }
  });

  it('deletes from both levels', async () => {
    await store.set('k', 'v', 60);
    expect(await store.delete('k')).to.equal(true);
    expect(await store.get('k')).to.equal(undefined);
  });
});
