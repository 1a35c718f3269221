import { expect } from 'chai';
import { createStore, type ResourceLocation, type Store } from '@k2k/store';
import { JsonBody } from '../src/answer/json-body.js';
import type { Call } from '../src/call.js';
import { Learner, type Outcome } from '../src/learn/learn.js';
import { Locations } from '../src/learn/locations.js';
import { ResourceTypes } from '../src/learn/resource-types.js';
import { parseApiRequest } from '../src/parse/parse-request.js';
import { CALLER, PROJECT_ID } from './check.js';

const SP2: ResourceLocation = { serviceProvider: 'sp2', projectId: 'remote-project' };

/** Step 7's one entry, `learn(call, outcome)`, on a memory store: what each outcome teaches. No federation. */
describe('Learner.learn: one entry for every outcome', () => {
  let store: Store;
  let locations: Locations;
  let learner: Learner;
  const call = (method: string, rest: string) => ({ request: parseApiRequest(method, `/v3/${PROJECT_ID}/volumes${rest}`, PROJECT_ID), identity: CALLER }) as Call;
  const where = async (id: string) => {
    const key = locations.keyOf(CALLER, call('GET', `/${id}`).request);
    const entry = key && (await locations.find(key));
    return entry && entry.kind === 'found' ? entry.location : undefined;
  };
  const status = (status: number, more: Partial<Extract<Outcome, { kind: 'status' }>> = {}): Outcome => ({ kind: 'status', location: SP2, status, routedByLearning: false, searched: false, ...more });

  beforeEach(() => {
    store = createStore();
    locations = new Locations(store, 'block-storage', 60, 10, () => undefined);
    learner = new Learner(locations, new ResourceTypes(['volumes']), 2);
  });
  afterEach(() => store.close());

  it("a status: a 2xx read learns where the resource answered; a search's or a learned route's does not", async () => {
    await learner.learn(call('GET', '/vol-1'), status(200));
    expect(await where('vol-1')).to.deep.equal(SP2);
    await learner.learn(call('GET', '/vol-2'), status(200, { searched: true }));
    await learner.learn(call('GET', '/vol-3'), status(200, { routedByLearning: true }));
    expect(await where('vol-2')).to.equal(undefined);
    expect(await where('vol-3')).to.equal(undefined);
  });

  it('a status: a 2xx DELETE forgets, and so does a 404 where a learned location pointed', async () => {
    await learner.learn(call('GET', '/vol-1'), status(200));
    await learner.learn(call('DELETE', '/vol-1'), status(202));
    expect(await where('vol-1')).to.equal(undefined);
    await learner.learn(call('GET', '/vol-2'), status(200));
    await learner.learn(call('GET', '/vol-2'), status(404, { routedByLearning: true }));
    expect(await where('vol-2')).to.equal(undefined);
  });

  it("a body: a create's new id, a list's items up to the limit; nothing from an error", async () => {
    const body = (value: unknown) => new JsonBody(Buffer.from(JSON.stringify(value)));
    await learner.learn(call('POST', ''), { kind: 'body', location: SP2, status: 202, body: body({ volume: { id: 'new-1' } }) });
    expect(await where('new-1')).to.deep.equal(SP2);
    await learner.learn(call('GET', ''), { kind: 'body', location: SP2, status: 200, body: body({ volumes: [{ id: 'l1' }, { id: 'l2' }, { id: 'l3' }] }) });
    expect([await where('l1'), await where('l2'), await where('l3')].map((entry) => entry !== undefined)).to.deep.equal([true, true, false]);
    await learner.learn(call('POST', ''), { kind: 'body', location: SP2, status: 400, body: body({ volume: { id: 'bad-1' } }) });
    expect(await where('bad-1')).to.equal(undefined);
  });

  it("items: a merged list's, each where it was listed", async () => {
    await learner.learn(call('GET', ''), { kind: 'items', items: [{ id: 'm1', location: SP2 }, { id: 'm2', location: { serviceProvider: null } }] });
    expect(await where('m1')).to.deep.equal(SP2);
    expect(await where('m2')).to.deep.equal({ serviceProvider: null });
  });
});
