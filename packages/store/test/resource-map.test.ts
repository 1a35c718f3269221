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
    await map.forget(volume); // learned at sp1 above
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
    const counting: Store = Object.create(store, {
      set: { value: (key: string, value: Buffer, ttl: number) => (writes.push(ttl), store.set(key, value, ttl)) },
      add: { value: (key: string, value: Buffer, ttl: number) => (writes.push(ttl), store.add(key, value, ttl)) },
    });
    const short = new ResourceMap(counting, { ttlSeconds: 2 });
    const used = { ...volume, resourceId: 'in-use' };
    await short.learn(used, { serviceProvider: 'sp1' });
    await short.find(used);
    expect(writes).to.have.length(1);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(await short.find(used)).to.deep.include({ kind: 'found' });
    expect(await short.find(used)).to.deep.include({ kind: 'found' });
    expect(writes).to.deep.equal([2, 2]);
  });

  it("with local copies: a warm look-up makes no store call, and learning what it knows writes nothing", async () => {
    const calls: string[] = [];
    const counting: Store = Object.create(store, {
      get: { value: (key: string) => (calls.push('get'), store.get(key)) },
      set: { value: (key: string, value: Buffer, ttl: number) => (calls.push('set'), store.set(key, value, ttl)) },
      add: { value: (key: string, value: Buffer, ttl: number) => (calls.push('add'), store.add(key, value, ttl)) },
    });
    const local = new ResourceMap(counting, { localTtlSeconds: 5 });
    const listed = { ...volume, resourceId: 'listed-1' };
    await local.learn(listed, { serviceProvider: 'sp1', projectId: 'abc' });
    await local.learn(listed, { serviceProvider: 'sp1', projectId: 'abc' }); // listed again
    expect(await local.find(listed)).to.deep.equal({ kind: 'found', location: { serviceProvider: 'sp1', projectId: 'abc' } });
    expect(calls).to.deep.equal(['add']); // the first time, written only if no cloud's location is there (one atomic call)
    await local.learn(listed, { serviceProvider: 'sp1', projectId: 'def' }); // another project at the same cloud: written
    expect(calls).to.deep.equal(['add', 'set']);
    expect(await new ResourceMap(store).find(listed)).to.deep.include({ location: { serviceProvider: 'sp1', projectId: 'def' } });
  });

  it('never keeps an absent mark locally: what another process learns meanwhile is seen at once', async () => {
    const here = new ResourceMap(store, { localTtlSeconds: 5 });
    const other = new ResourceMap(store);
    const created = { ...volume, resourceId: 'created-elsewhere' };
    await here.rememberAbsent(created, 10);
    expect(await here.find(created)).to.deep.equal({ kind: 'absent' });
    await other.learn(created, { serviceProvider: 'sp1' });
    expect(await here.find(created)).to.deep.equal({ kind: 'found', location: { serviceProvider: 'sp1' } });
  });

  it("never replaces a cloud's location by another cloud's, in any process, until it is forgotten", async () => {
    const here = new ResourceMap(store, { localTtlSeconds: 5 });
    const other = new ResourceMap(store);
    const claimed = { ...volume, resourceId: 'held-by-sp1' };
    expect(await here.learn(claimed, { serviceProvider: 'sp1', projectId: 'abc' })).to.equal('learned');
    expect(await other.learn(claimed, { serviceProvider: 'rogue' })).to.equal('kept'); // a search, a list or a GET elsewhere
    expect(await here.learn(claimed, { serviceProvider: 'rogue' })).to.equal('kept');
    expect(await other.learn(claimed, { serviceProvider: null })).to.equal('kept'); // the local cloud claims it too
    expect(await other.find(claimed)).to.deep.equal({ kind: 'found', location: { serviceProvider: 'sp1', projectId: 'abc' } });
    expect(await here.learn(claimed, { serviceProvider: 'sp1', projectId: 'abc' })).to.equal('learned'); // seen where it is
    await other.forget(claimed); // a 404 there, or a DELETE
    await here.forget(claimed);
    expect(await other.learn(claimed, { serviceProvider: 'sp2' })).to.equal('learned');
    expect(await here.find(claimed)).to.deep.equal({ kind: 'found', location: { serviceProvider: 'sp2' } });
  });

  it('validates its options', () => {
    expect(() => new ResourceMap(store, { ttlSeconds: 0 })).to.throw(/ttlSeconds/);
    expect(() => new ResourceMap(store, { localTtlSeconds: -1 })).to.throw(/localTtlSeconds/);
  });
});
