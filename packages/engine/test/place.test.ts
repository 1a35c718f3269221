import { expect } from 'chai';
import type { ServiceProvider } from '@k2k/common';
import { createStore, type Store } from '@k2k/store';
import type { Call } from '../src/call.js';
import type { Delivery, Progress } from '../src/execute/execute.js';
import { Candidates } from '../src/place/candidates.js';
import { HealthTracker } from '../src/place/health.js';
import { Placer, type PlacementEvent } from '../src/place/place.js';
import { QuotaReader } from '../src/place/quota-reader.js';
import { ResourceTypes } from '../src/learn/resource-types.js';
import type { SingleTarget } from '../src/route/target.js';

/**
 * The Placer alone, with a stand-in for sending (`execute`): which failures let it try the next
 * candidate, and what it reports. `spread` on its first placement tries the local cloud, then sp1.
 */
describe('Placer', () => {
  let store: Store;
  const serviceProviders = [{ id: 'sp1', authUrl: 'http://sp1.invalid/v3', spUrl: 'http://sp1.invalid/Shibboleth.sso/SAML2/ECP' }] as ServiceProvider[];
  const call = () =>
    ({ req: { body: { volume: { size: 1 } }, readableEnded: true }, request: { resourceType: 'volumes' }, identity: undefined, userToken: undefined, upstreamRequestId: 'req-1' }) as unknown as Call;
  /** A connection error as undici reports one: the code on the cause. */
  const connectionError = (code: string) => Object.assign(new Error('fetch failed'), { cause: Object.assign(new Error(code), { code }) });

  beforeEach(() => {
    store = createStore({ backend: 'memory' });
  });

  afterEach(() => store.close());

  function placer(execute: (target: SingleTarget, progress: Progress) => Promise<Delivery>, events: PlacementEvent[]): Placer {
    const health = new HealthTracker(store, 'block-storage');
    const quotas = new QuotaReader(['volumes'], { session: () => Promise.reject(new Error('unused')), address: () => undefined, read: () => Promise.reject(new Error('unused')) }, 100);
    return new Placer(
      { policy: 'spread', serviceType: 'block-storage', bodyLimitBytes: 1024 },
      new ResourceTypes(['volumes']),
      new Candidates('default', health, quotas, {}),
      health,
      (_call, target, progress) => execute(target, progress),
      (event) => events.push(event),
    );
  }

  const nameOf = (target: SingleTarget) => (target.kind === 'remote' ? target.serviceProvider.id : target.kind);

  for (const code of ['EHOSTUNREACH', 'ENETUNREACH']) {
    it(`never sends the create elsewhere after ${code} once it was sent (a reused keep-alive socket)`, async () => {
      const tried: string[] = [];
      const events: PlacementEvent[] = [];
      const failure = connectionError(code);
      const placing = placer(async (target, progress) => {
        tried.push(nameOf(target));
        progress.sent = true;
        throw failure;
      }, events);
      const outcome = await placing.place(call(), serviceProviders).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(outcome).to.equal(failure);
      expect(tried).to.deep.equal(['local']);
      expect(events).to.deep.equal([]);
    });
  }

  it('tries the next candidate after a refused connection, and reports the skips when none could be reached (502)', async () => {
    const tried: string[] = [];
    const events: PlacementEvent[] = [];
    const placing = placer(async (target, progress) => {
      tried.push(nameOf(target));
      progress.sent = true;
      throw connectionError('ECONNREFUSED');
    }, events);
    const outcome = await placing.place(call(), serviceProviders).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(outcome).to.include({ status: 502 });
    expect(tried).to.deep.equal(['local', 'sp1']);
    expect(events).to.deep.equal([{ policy: 'spread', failed: true, skipped: ['default', 'sp1'] }]);
  });
});
