import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { startMemcached, type MemcachedServer } from '@k2k/testing';
import { createStore, SingleFlight, type Store } from '../src/index.js';

const SECRET = 'single-flight-test-secret';

describe('SingleFlight', () => {
  let server: MemcachedServer;
  let store: Store;
  let others: Store[];

  beforeEach(async () => {
    server = await startMemcached();
    store = createStore({ backend: 'memcached', servers: [server.location], secret: SECRET, timeoutMs: 150 });
    others = [];
  });

  afterEach(async () => {
    await Promise.all([store, ...others].map((s) => s.close()));
    await server.kill();
  });

  /** Another store on the same memcached, as another worker process would have. */
  function storeOfAnotherProcess(): Store {
    const other = createStore({ backend: 'memcached', servers: [server.location], secret: SECRET, timeoutMs: 150 });
    others.push(other);
    return other;
  }

  it('runs the work once for concurrent callers in one process', async () => {
    const flights = new SingleFlight(store);
    let runs = 0;
    const work = async () => {
      runs++;
      await sleep(50);
      return 'result';
    };
    const results = await Promise.all(Array.from({ length: 20 }, () => flights.run('k', work, async () => undefined)));
    expect(runs).to.equal(1);
    expect(results).to.deep.equal(Array(20).fill('result'));
  });

  it('makes a second instance (as another process) wait for the leader and read its result', async () => {
    const leader = new SingleFlight(store);
    const follower = new SingleFlight(storeOfAnotherProcess());
    let published: string | undefined;
    let runs = 0;
    const work = async () => {
      runs++;
      await sleep(100);
      published = 'token';
      return published;
    };
    const first = leader.run('k', work, async () => published);
    await sleep(10);
    const second = follower.run('k', work, async () => published);
    expect(await Promise.all([first, second])).to.deep.equal(['token', 'token']);
    expect(runs).to.equal(1);
  });

  it('lets a follower take over when the leader fails, and passes the failure to the leader', async () => {
    const leader = new SingleFlight(store);
    const follower = new SingleFlight(storeOfAnotherProcess());
    let runs = 0;
    const failing = leader.run('k', async () => {
      runs++;
      await sleep(50);
      throw new Error('IdP said no');
    }, async () => undefined);
    await sleep(10);
    const recovering = follower.run('k', async () => {
      runs++;
      return 'second try';
    }, async () => undefined);
    expect(await failing.catch((error: Error) => error.message)).to.equal('IdP said no');
    expect(await recovering).to.equal('second try');
    expect(runs).to.equal(2);
  });

  it('does not repeat work a leader finished after the caller missed the cache', async () => {
    const flights = new SingleFlight(store);
    let published: string | undefined;
    let runs = 0;
    const work = async () => {
      runs++;
      published = 'result';
      return published;
    };
    await flights.run('k', work, async () => published);
    // A caller that missed the cache before that flight ended, and only now asks for a flight:
    expect(await flights.run('k', work, async () => published)).to.equal('result');
    expect(runs).to.equal(1);
  });

  it('runs the work after the lease of a crashed leader expires', async () => {
    // A leader that took the lease and died: nothing will ever publish or release it.
    await store.add(store.codec.slot('flight', 'k').key, 'dead-owner', 1);
    let runs = 0;
    const result = await new SingleFlight(store).run('k', async () => ++runs, async () => undefined);
    expect(result).to.equal(1);
  });

  it('works alone when the store is down', async () => {
    await server.kill();
    let runs = 0;
    const flights = new SingleFlight(store);
    expect(await flights.run('k', async () => ++runs, async () => undefined)).to.equal(1);
  });

  it('validates its options', () => {
    expect(() => new SingleFlight(store, { leaseSeconds: 0 })).to.throw(/leaseSeconds/);
  });
});
