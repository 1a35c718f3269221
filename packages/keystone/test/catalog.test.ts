import { expect } from 'chai';
import { filterEndpoints, normalizeInterface, officialServiceType, selectEndpoint, type CatalogEntry } from '../src/index.js';

const endpoint = (id: string, iface: string, region: string, url: string) => ({ id, interface: iface, region, regionId: region, url });

const CATALOG: CatalogEntry[] = [
  {
    id: 'svc-volume',
    type: 'volumev3',
    name: 'cinderv3',
    endpoints: [
      endpoint('e1', 'public', 'RegionOne', 'http://one/v3/p'),
      endpoint('e2', 'internal', 'RegionOne', 'http://one-internal/v3/p'),
      endpoint('e3', 'public', 'RegionTwo', 'http://two/v3/p'),
    ],
  },
  { id: 'svc-volume2', type: 'volumev2', name: 'cinderv2', endpoints: [endpoint('e4', 'public', 'RegionOne', 'http://old/v2/p')] },
  { id: 'svc-image', type: 'image', name: 'glance', endpoints: [endpoint('e5', 'admin', 'RegionOne', 'http://glance-admin')] },
];

describe('catalog helpers', () => {
  it('finds a service under any of its aliases, preferring the official type, then the aliases in order', () => {
    for (const type of ['block-storage', 'volumev3', 'volume', 'volumev2']) {
      expect(selectEndpoint(CATALOG, { serviceType: type })?.url, type).to.equal('http://one/v3/p');
    }
    expect(officialServiceType('volumev3')).to.equal('block-storage');
    expect(officialServiceType('my-own-service')).to.equal('my-own-service');
  });

  it('picks the interface, accepting the v2 publicURL style', () => {
    expect(selectEndpoint(CATALOG, { serviceType: 'volumev3', interface: 'internal' })?.url).to.equal('http://one-internal/v3/p');
    expect(selectEndpoint(CATALOG, { serviceType: 'volumev3', interface: 'internalURL' })?.url).to.equal('http://one-internal/v3/p');
    expect(selectEndpoint(CATALOG, { serviceType: 'image', interface: 'adminURL' })?.url).to.equal('http://glance-admin');
    expect(selectEndpoint(CATALOG, { serviceType: 'image' })).to.equal(undefined);
    expect(selectEndpoint(CATALOG, { serviceType: 'volumev3', interface: 'private' })).to.equal(undefined);
    expect(normalizeInterface('PublicURL')).to.equal('public');
  });

  it('picks the region', () => {
    expect(selectEndpoint(CATALOG, { serviceType: 'volumev3', region: 'RegionTwo' })?.url).to.equal('http://two/v3/p');
    expect(selectEndpoint(CATALOG, { serviceType: 'volumev3', region: 'RegionThree' })).to.equal(undefined);
  });

  it('filters endpoints on every given attribute, as endpoint groups do', () => {
    expect(filterEndpoints(CATALOG, {}).map((e) => e.id)).to.deep.equal(['e1', 'e2', 'e3', 'e4', 'e5']);
    expect(filterEndpoints(CATALOG, { serviceId: 'svc-volume', regionId: 'RegionOne' }).map((e) => e.id)).to.deep.equal(['e1', 'e2']);
    expect(filterEndpoints(CATALOG, { serviceType: 'volumev3', interface: 'public', regionId: 'RegionTwo' }).map((e) => e.id)).to.deep.equal(['e3']);
    expect(filterEndpoints(CATALOG, { interface: 'adminURL' })[0]).to.include({ id: 'e5', serviceType: 'image', serviceName: 'glance' });
  });
});
