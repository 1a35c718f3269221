import { expect } from 'chai';
import { createStore, TokenCache } from '../src/index.js';

interface RemoteToken {
  token: string;
  expiresAt: string;
  catalog: unknown[];
}

const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

describe('TokenCache', () => {
  const store = createStore({ secret: 'sixteen-chars-secret' });
  const cache = new TokenCache<RemoteToken>(store, { safetyMarginSeconds: 60 });

  it('returns the token cached for (user token, SP, project) and nothing for another triple', async () => {
    const remote = { token: 'remote-1', expiresAt: inSeconds(3600), catalog: [{ type: 'volumev3' }] };
    expect(await cache.set('user-token', 'sp1', 'demo@Default', remote)).to.equal(true);
    expect(await cache.get('user-token', 'sp1', 'demo@Default')).to.deep.equal(remote);
    expect(await cache.get('user-token', 'sp2', 'demo@Default')).to.equal(undefined);
    expect(await cache.get('user-token', 'sp1', 'demo2@Default')).to.equal(undefined);
    expect(await cache.get('other-user-token', 'sp1', 'demo@Default')).to.equal(undefined);
  });

  it('treats a token inside the safety margin as a miss and does not store one', async () => {
    const expiring = { token: 'remote-2', expiresAt: inSeconds(30), catalog: [] };
    expect(await cache.set('user-token', 'sp1', 'p', expiring)).to.equal(false);
    expect(await cache.get('user-token', 'sp1', 'p')).to.equal(undefined);
  });

  it('stops using a stored token once it enters the margin', async () => {
    const shortMargin = new TokenCache<RemoteToken>(store, { safetyMarginSeconds: 0 });
    await shortMargin.set('u', 'sp1', 'p', { token: 'remote-3', expiresAt: inSeconds(3600), catalog: [] });
    const strict = new TokenCache<RemoteToken>(store, { safetyMarginSeconds: 7200 });
    expect(await strict.get('u', 'sp1', 'p')).to.equal(undefined);
    expect(await shortMargin.get('u', 'sp1', 'p')).to.not.equal(undefined);
  });

  it('counts hits and misses, and forgets on delete', async () => {
    const counted = new TokenCache<RemoteToken>(store);
    await counted.set('u2', 'sp1', 'p', { token: 'remote-4', expiresAt: inSeconds(3600), catalog: [] });
    await counted.get('u2', 'sp1', 'p');
    await counted.delete('u2', 'sp1', 'p');
    await counted.get('u2', 'sp1', 'p');
    expect(counted.stats()).to.deep.equal({ hits: 1, misses: 1 });
  });

  it('validates its options', () => {
    expect(() => new TokenCache(store, { safetyMarginSeconds: -1 })).to.throw(/safetyMarginSeconds/);
  });
});
