import { expect } from 'chai';
import type { CatalogEntry } from '@k2k/keystone';
import { parseRequestPath } from '../src/parse-request.js';
import { remoteUrl } from '../src/remote-url.js';

const LOCAL = '0123456789abcdef0123456789abcdef';
const REMOTE = 'fedcba9876543210fedcba9876543210';
const endpoint = (type: string, url: string, iface = 'public') => ({ id: `${type}-${iface}`, type, name: type, endpoints: [{ id: 'e', interface: iface, region: 'RegionOne', regionId: 'RegionOne', url }] });
const CATALOG: CatalogEntry[] = [
  endpoint('volumev3', `http://sp:8776/v3/${REMOTE}`),
  endpoint('image', 'http://sp:9292'),
  endpoint('compute', 'http://sp/compute/v2.1'),
];

describe('remoteUrl', () => {
  it('puts the path below the remote base, with the remote project id', () => {
    const url = remoteUrl(CATALOG, { serviceType: 'block-storage', interface: 'public' }, parseRequestPath(`/v3/${LOCAL}/volumes/v1?a=b`), REMOTE, 'sp1');
    expect(url.href).to.equal(`http://sp:8776/v3/${REMOTE}/volumes/v1?a=b`);
  });

  it('adds the version to an unversioned endpoint', () => {
    const url = remoteUrl(CATALOG, { serviceType: 'image', interface: 'public' }, parseRequestPath('/v2/images/i1/file'), REMOTE, 'sp1');
    expect(url.href).to.equal('http://sp:9292/v2/images/i1/file');
  });

  it('keeps a remote path prefix and adds a project the endpoint lacks', () => {
    const url = remoteUrl(CATALOG, { serviceType: 'compute', interface: 'public' }, parseRequestPath(`/v2.1/${LOCAL}/servers`), REMOTE, 'sp1');
    expect(url.href).to.equal(`http://sp/compute/v2.1/${REMOTE}/servers`);
  });

  it('answers 502 naming the SP when it has no such endpoint', () => {
    expect(() => remoteUrl(CATALOG, { serviceType: 'image', interface: 'internal' }, parseRequestPath('/v2/images'), REMOTE, 'sp1'))
      .to.throw(/Service provider sp1 has no image endpoint with interface internal/)
      .with.property('status', 502);
  });
});
