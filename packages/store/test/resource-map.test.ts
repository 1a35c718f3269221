import { expect } from 'chai';
import { createStore, ResourceMap } from '../src/index.js';

describe('ResourceMap', () => {
  const store = createStore({ secret: 'sixteen-chars-secret', securityStrategy: 'MAC' });
  const map = new ResourceMap(store);
  const volume = { serviceType: 'block-storage', resourceType: 'volumes', resourceId: 'f3a1' };

  it('learns, finds and forgets a location', async () => {
    expect(await map.find(volume)).to.equal(undefined);
    await map.learn(volume, { serviceProvider: 'sp1', projectId: 'abc' });
    expect(await map.find(volume)).to.deep.equal({ serviceProvider: 'sp1', projectId: 'abc' });
    expect(await map.find({ ...volume, resourceType: 'snapshots' })).to.equal(undefined);
    expect(await map.find({ ...volume, serviceType: 'image' })).to.equal(undefined);
    expect(await map.forget(volume)).to.equal(true);
    expect(await map.find(volume)).to.equal(undefined);
  });

  it('remembers the local cloud as a null service provider', async () => {
    const local = { ...volume, resourceId: 'local-1' };
    await map.learn(local, { serviceProvider: null });
    expect(await map.find(local)).to.deep.equal({ serviceProvider: null });
  });

  it('validates its options', () => {
    expect(() => new ResourceMap(store, { ttlSeconds: 0 })).to.throw(/ttlSeconds/);
  });
});
