import { expect } from 'chai';
import { createStore, type Store, type StoreBackend } from '@k2k/store';
import { startMemcached, type MemcachedServer } from '@k2k/testing';
import { HealthTracker, isHealthy } from '../src/place/health.js';

/** Health per target, shared by every process on the same memcached (two stores here, as two workers have). */
describe('HealthTracker', () => {
  let memcached: MemcachedServer;
  let stores: Store[];

  before(async () => {
    memcached = await startMemcached();
  });

  after(() => memcached.kill());

  beforeEach(() => {
    stores = [0, 1].map(() => createStore({ backend: 'memcached', servers: [memcached.location], secret: 'k2k-health-tests-secret-0123' }));
  });

  afterEach(() => Promise.all(stores.map((store) => store.close())));

  it('shares error rate and latency across processes through the store', async () => {
    const serviceType = `block-storage-${Math.random()}`;
    const [a, b] = stores.map((store) => new HealthTracker(store, serviceType));
    for (let i = 0; i < 3; i++) a.record('sp1', false, undefined);
    a.record('sp2', true, 40);
    await a.close();

    const sp1 = await b.read('sp1');
    expect(sp1?.samples).to.be.closeTo(3, 0.05);
    expect(sp1?.errorRate).to.equal(1);
    expect(sp1?.latencyMs).to.equal(null);
    expect(isHealthy(sp1)).to.equal(false);
    const sp2 = await b.read('sp2');
    expect(sp2).to.include({ errorRate: 0, latencyMs: 40 });
    expect(isHealthy(sp2)).to.equal(true);

    b.record('sp1', true, 10);
    await b.close();
    const merged = await a.read('sp1');
    expect(merged?.samples).to.be.closeTo(4, 0.05);
    expect(merged?.errorRate).to.be.closeTo(0.75, 0.01);
    expect(merged?.latencyMs).to.equal(10);
  });

  it('reads this process\'s own samples before they are written, and nothing for a target never seen', async () => {
    const tracker = new HealthTracker(stores[0], `image-${Math.random()}`);
    expect(await tracker.read('sp3')).to.equal(null);
    tracker.record('sp3', true, 5);
    tracker.record('sp3', true, 15); // within the flush interval: pending in this process
    expect(await tracker.read('sp3')).to.include({ errorRate: 0, latencyMs: 10 });
    await tracker.close();
  });

  it('keeps counting while the store is down: the samples stay in the process', async () => {
    const down = createStore({ backend: 'memcached', servers: ['127.0.0.1:1'], secret: 'k2k-health-tests-secret-0123' });
    try {
      const tracker = new HealthTracker(down, 'compute');
      tracker.record('sp1', false, undefined);
      await tracker.close();
      expect(await tracker.read('sp1')).to.include({ errorRate: 1 });
    } finally {
      await down.close();
    }
  });

  it('survives a store that throws: the failed write is only lost samples, no unhandled rejection', async () => {
    const failing = (): Promise<never> => Promise.reject(new Error('store exploded'));
    const backend: StoreBackend = { get: failing, set: failing, add: failing, delete: failing, close: async () => undefined };
    const throwing = createStore({ backend, secret: 'k2k-health-tests-secret-0123' });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const tracker = new HealthTracker(throwing, 'compute');
      tracker.record('sp1', false, undefined); // the first sample of a target is written at once
      await tracker.close();
      // Unhandled rejections are reported once the microtasks have run: before the next macrotask.
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
