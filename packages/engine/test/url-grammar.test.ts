import { expect } from 'chai';
import { parseApiRequest } from '../src/parse/parse-request.js';
import { check, PROJECT_ID } from './check.js';

const cinder = (rest: string) => `/v3/${PROJECT_ID}${rest}`;
const ID = 'b6d64b8c-3c5e-4b35-a8d4-5f7b7a5d2c11';

/** Tempest (issue #30, cause 2): Cinder's collection-level paths were taken for ids, searched, and answered 404. */
describe('url grammar: collection-level paths are no resource id', () => {
  it("Cinder's `POST /groups/action` (create from a source) and `GET /volumes/summary` stay local, unsearched", async () => {
    await check({ path: cinder('/groups/action'), method: 'POST' }, { request: { resourceType: 'groups', rest: '/groups/action' }, target: { kind: 'local' } });
    await check({ path: cinder('/volumes/summary') }, { request: { resourceType: 'volumes', rest: '/volumes/summary' }, target: { kind: 'local' } });
    for (const path of ['/groups/action', '/volumes/summary', '/snapshots/detail', '/backups/detail', '/groups/detail', '/group_snapshots/detail', '/backups/import_record']) {
      expect(parseApiRequest('GET', cinder(path), PROJECT_ID, 'block-storage'), path).to.not.have.property('resourceId');
    }
  });

  it('an id under those types is still one: searched, and qualified', async () => {
    await check({ path: cinder(`/groups/${ID}`) }, { request: { resourceId: ID }, target: { kind: 'locate' } });
    await check({ path: cinder(`/groups/${ID}@sp1/action`), method: 'POST' }, { request: { resourceId: ID, qualifier: 'sp1' }, target: { kind: 'remote', serviceProvider: 'sp1' } });
  });

  it("keeps each service's own: Glance's `/images/detail` is an id, Nova's `/images/detail` a list", () => {
    expect(parseApiRequest('GET', '/v2/images/detail', undefined, 'image')).to.include({ resourceId: 'detail' });
    expect(parseApiRequest('GET', '/v2.1/images/detail', undefined, 'compute')).to.not.have.property('resourceId');
    expect(parseApiRequest('GET', '/v2.0/networks/detail', undefined, 'network')).to.include({ resourceId: 'detail' });
  });

  it('a service of no known type (a catalog type of its own) takes what any service does', () => {
    expect(parseApiRequest('POST', cinder('/groups/action'), PROJECT_ID, 'k2k-real-volume')).to.not.have.property('resourceId');
    expect(parseApiRequest('GET', cinder('/volumes/summary'), PROJECT_ID)).to.not.have.property('resourceId');
  });

  it("takes Neutron's `.json` format suffix off the last segment's type or id, keeping it on the path sent", () => {
    expect(parseApiRequest('GET', '/v2.0/networks.json?limit=2', undefined, 'network')).to.include({ resourceType: 'networks', rest: '/networks.json' }).and.not.have.property('resourceId');
    expect(parseApiRequest('PUT', `/v2.0/security-groups/${ID}.json`, undefined, 'network')).to.include({ resourceType: 'security-groups', resourceId: ID, resourcePath: `/security-groups/${ID}`, rest: `/security-groups/${ID}.json` });
    expect(parseApiRequest('GET', `/v2.0/networks/${ID}/tags.json`, undefined, 'network')).to.include({ resourceId: ID, action: 'tags.json' });
    expect(parseApiRequest('GET', '/v2/images/a.json', undefined, 'image')).to.include({ resourceId: 'a.json' }); // Glance takes none
    expect(parseApiRequest('GET', '/v2.0/networks/.json', undefined, 'network')).to.include({ resourceId: '.json' }); // no id before it
  });
});
