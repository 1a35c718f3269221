import { expect } from 'chai';
import { startMemcached, type MemcachedServer } from '@k2k/testing';
import { createStore, type Store } from '../src/index.js';
import { eventually } from './eventually.js';
import { resume, suspend } from './suspend.js';

const DEADLINE_MS = 150;
const SECRET = 'memcached-test-secret';

describe('memcached backend', function () {
  let server: MemcachedServer;
  let store: Store;

  beforeEach(async () => {
    server = await startMemcached();
    store = createStore({ backend: 'memcached', servers: [server.location], secret: SECRET, timeoutMs: DEADLINE_MS, deadServerRetryMs: 200 });
  });

  afterEach(async () => {
    await store.close();
    process.kill(server.pid, 'SIGCONT'); // in case a test stopped it
    await server.kill();
  });

  it('sets, gets, adds and deletes bytes and strings', async () => {
    const bytes = Buffer.from([0, 1, 127, 128, 200, 255, 13, 10]);
    expect(await store.set('bytes', bytes, 60)).to.equal(true);
    expect(await store.get('bytes')).to.deep.equal(bytes);
    expect(await store.set('text', 'héllo', 60)).to.equal(true);
    expect((await store.get('text'))?.toString()).to.equal('héllo');
    expect(await store.add('text', 'other', 60)).to.equal('exists');
    expect(await store.add('new', 'v', 60)).to.equal('added');
    expect(await store.delete('text')).to.equal(true);
    expect(await store.delete('text')).to.equal(false);
    expect(await store.get('text')).to.equal(undefined);
    expect(store.stats()).to.include({ hits: 2, misses: 1, errors: 0 });
  });

  it('queues a burst larger than its connection pool instead of failing it', async () => {
    const burst = await Promise.all(Array.from({ length: 300 }, (_, i) => store.set(`burst-${i}`, 'v', 60)));
    expect(burst.every(Boolean)).to.equal(true);
    expect(store.stats().errors).to.equal(0);
  });

  it('lets an entry expire after its TTL', async () => {
    await store.set('short', 'v', 1);
    await store.set('long', 'v', 60);
    await eventually(async () => expect(await store.get('short')).to.equal(undefined), 5000);
    expect(await store.get('long')).to.not.equal(undefined);
  });

  it('answers misses within the deadline when the server is killed, and recovers when it is back', async () => {
    await store.set('k', 'v', 60);
    const port = server.port;
    await server.kill();
    expect(await store.get('k')).to.equal(undefined);
    expect(await store.set('k', 'v', 60)).to.equal(false);
    expect(await store.add('lease', 'v', 60)).to.equal('unavailable');
    expect(await store.delete('k')).to.equal(false);
    expect(store.stats().errors).to.be.greaterThan(0);

    server = await startMemcached({ port });
    await eventually(async () => expect(await store.set('k', 'back', 60)).to.equal(true), 5000);
    expect((await store.get('k'))?.toString()).to.equal('back');
  });

  it('answers misses at the deadline when the server accepts but never answers', async () => {
    // The first command also opens the connection: on a loaded machine it may miss the deadline.
    await eventually(async () => expect(await store.set('k', 'v', 60)).to.equal(true), 5000);
    const errorsBefore = store.stats().errors;
    // Waits until every thread has stopped: right after kill() returns, a thread that has not run
    // since can still answer (the get below then read 'v' on a loaded machine).
    await suspend(server.pid);
    // Without our deadline these calls would never settle (mocha's timeout would fail the test).
    expect(await store.get('k')).to.equal(undefined);
    expect(await store.set('k', 'v2', 60)).to.equal(false);
    expect(await store.add('lease', 'v', 60)).to.equal('unavailable');
    expect(store.stats().errors - errorsBefore).to.equal(3);
    resume(server.pid);
  });

  it('never hands a late answer to a command abandoned at its deadline to a later command', async () => {
    await eventually(async () => expect(await store.set('a', 'A', 60)).to.equal(true), 5000);
    expect(await store.set('b', 'B', 60)).to.equal(true);
    await suspend(server.pid);
    // Abandoned at the deadline: the command stays queued on its connection, its answer to come.
    expect(await store.get('a')).to.equal(undefined);
    // Written behind it on the same connection (the pool hands out the one with nothing left to
    // write), then the server answers both, in order.
    const behind = store.get('b');
    resume(server.pid);
    expect((await behind)?.toString()).to.be.oneOf([undefined, 'B']); // a miss at worst, never 'A'
    await eventually(async () => expect((await store.get('b'))?.toString()).to.equal('B'), 5000);
    expect((await store.get('a'))?.toString()).to.equal('A');
  });
});

describe('memcached backend with two servers', () => {
  let servers: MemcachedServer[];
  let store: Store;

  beforeEach(async () => {
    servers = await Promise.all([startMemcached(), startMemcached()]);
    store = createStore({ backend: 'memcached', servers: servers.map((s) => s.location), secret: SECRET, timeoutMs: DEADLINE_MS, deadServerRetryMs: 60_000 });
  });

  afterEach(async () => {
    await store.close();
    await Promise.all(servers.map((s) => s.kill()));
  });

  it('spreads keys over both servers', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `key-${i}`);
    for (const key of keys) expect(await store.set(key, key, 60)).to.equal(true);
    const onFirst = createStore({ backend: 'memcached', servers: [servers[0].location], secret: SECRET });
    try {
      let found = 0;
      for (const key of keys) if (await onFirst.get(key)) found++;
      expect(found).to.be.within(40, 160);
    } finally {
      await onFirst.close();
    }
  });

  it('keeps serving when one server dies: its keys fail over to the other', async () => {
    const keys = Array.from({ length: 50 }, (_, i) => `key-${i}`);
    for (const key of keys) await store.set(key, key, 60);
    await servers[1].kill();
    let misses = 0;
    for (const key of keys) if (!(await store.get(key))) misses++;
    expect(misses).to.be.greaterThan(0).and.lessThan(keys.length); // the first server's keys survive
    for (const key of keys) expect(await store.set(key, key, 60), key).to.equal(true);
    for (const key of keys) expect((await store.get(key))?.toString(), key).to.equal(key);
  });
});
