import { expect } from 'chai';
import { createStore, ResourceMap, type Store } from '../src/index.js';

describe('ResourceMap', () => {
  const store = createStore({ secret: 'sixteen-chars-secret', securityStrategy: 'MAC' });
  const map = new ResourceMap(store);
  const volume = { projectId: 'p1', serviceType: 'block-storage', resourceType: 'volumes', resourceId: 'F3A1-00B2' };

  it('learns, finds and forgets a location', async () => {
    expect(await map.find(volume)).to.equal(undefined);
    await map.learn(volume, { serviceProvider: 'sp1', projectId: 'abc' });
    expect(await map.find(volume)).to.deep.equal({ kind: 'found', location: { serviceProvider: 'sp1', projectId: 'abc' } });
    expect(await map.find({ ...volume, resourceType: 'snapshots' })).to.equal(undefined);
    expect(await map.find({ ...volume, serviceType: 'image' })).to.equal(undefined);
    expect(await map.forget(volume)).to.equal(true);
    expect(await map.find(volume)).to.equal(undefined);
  });

  it("keeps each project's locations apart", async () => {
    await map.learn(volume, { serviceProvider: 'sp1' });
    expect(await map.find({ ...volume, projectId: 'p2' })).to.equal(undefined);
    await map.forget({ ...volume, projectId: 'p2' });
    expect(await map.find(volume)).to.deep.include({ kind: 'found' });
  });

  it('compares ids lowercase and without dashes', async () => {
    await map.learn(volume, { serviceProvider: 'sp2' });
    expect(await map.find({ ...volume, resourceId: 'f3a100b2' })).to.deep.equal({ kind: 'found', location: { serviceProvider: 'sp2' } });
  });

  it('remembers the local cloud as a null service provider, and an absent id', async () => {
    const local = { ...volume, resourceId: 'local-1' };
    await map.learn(local, { serviceProvider: null });
    expect(await map.find(local)).to.deep.equal({ kind: 'found', location: { serviceProvider: null } });
    await map.rememberAbsent(local, 10);
    expect(await map.find(local)).to.deep.equal({ kind: 'absent' });
  });

  it('writes a location in use again once it is past half its TTL', async () => {
    const writes: number[] = [];
    const counting: Store = Object.create(store, { set: { value: (key: string, value: Buffer, ttl: number) => (writes.push(ttl), store.set(key, value, ttl)) } });
    const short = new ResourceMap(counting, { ttlSeconds: 2 });
    await short.learn(volume, { serviceProvider: 'sp1' });
    await short.find(volume);
    expect(writes).to.have.length(1);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(await short.find(volume)).to.deep.include({ kind: 'found' });
    expect(await short.find(volume)).to.deep.include({ kind: 'found' });
    expect(writes).to.deep.equal([2, 2]);
  });

  it('validates its options', () => {
    expect(() => new ResourceMap(store, { ttlSeconds: 0 })).to.throw(/ttlSeconds/);
  });
});
