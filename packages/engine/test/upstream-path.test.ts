import { expect } from 'chai';
import { OpenStackError, type CatalogEntry } from '@k2k/common';
import { catalogEndpoint } from '../src/execute/endpoints.js';
import { parseApiRequest } from '../src/parse/parse-request.js';
import { splitQualifiedId } from '../src/parse/qualifier.js';
import { ResourceTypes } from '../src/learn/resource-types.js';
import { upstreamPath } from '../src/execute/upstream-path.js';

const LOCAL = '0123456789abcdef0123456789abcdef';
const REMOTE = 'fedcba9876543210fedcba9876543210';
const endpoint = (type: string, url: string, iface = 'public') => ({ id: `${type}-${iface}`, type, name: type, endpoints: [{ id: 'e', interface: iface, region: 'RegionOne', regionId: 'RegionOne', url }] });
const CATALOG: CatalogEntry[] = [endpoint('volumev3', `http://sp:8776/v3/${REMOTE}`), endpoint('image', 'http://sp:9292')];
const get = (path: string) => parseApiRequest('GET', path, LOCAL);

describe('upstreamPath', () => {
  it('puts the path below the remote base, with the remote project id', () => {
    expect(upstreamPath(`/v3/${REMOTE}`, get(`/v3/${LOCAL}/volumes/v1?a=b`), REMOTE)).to.equal(`/v3/${REMOTE}/volumes/v1`);
  });

  it('adds the version to an unversioned endpoint', () => {
    expect(upstreamPath('', get('/v2/images/i1/file'), REMOTE)).to.equal('/v2/images/i1/file');
  });

  it('keeps an endpoint path prefix and adds a project the endpoint lacks', () => {
    expect(upstreamPath('/compute/v2.1', get(`/v2.1/${LOCAL}/servers`), REMOTE)).to.equal(`/compute/v2.1/${REMOTE}/servers`);
  });

  it("keeps the caller's own path below a local endpoint's prefix", () => {
    expect(upstreamPath('/volume/v3/__project__', get(`/v3/${LOCAL}/volumes`), undefined)).to.equal(`/volume/v3/${LOCAL}/volumes`);
  });

  it("sends an unversioned request (version discovery) to the endpoint's root, not below its version", () => {
    expect(upstreamPath(`/v3/${REMOTE}`, get('/'), REMOTE)).to.equal('/');
    expect(upstreamPath('/volume/v3/x', get('/'), REMOTE)).to.equal('/volume/');
  });

  it("sends a bare version root (Cinder's v3 version document) below the root, without a project", () => {
    expect(upstreamPath(`/v3/${REMOTE}`, get('/v3/'), REMOTE)).to.equal('/v3/');
    expect(upstreamPath(`/v3/${REMOTE}`, get('/v3'), REMOTE)).to.equal('/v3');
    expect(upstreamPath('/volume/v3/__project__', get('/v3/'), undefined)).to.equal('/volume/v3/');
  });

  it('renders the resource alone for a probe, without the qualifier', () => {
    const request = splitQualifiedId(get(`/v3/${LOCAL}/volumes/v1@sp1/action`), new ResourceTypes(['volumes']));
    expect(upstreamPath(`/v3/${REMOTE}`, request, REMOTE, request.resourcePath)).to.equal(`/v3/${REMOTE}/volumes/v1`);
  });

  it("refuses (502) a service provider's project id that is no single path segment, rather than send it", () => {
    for (const project of ['..', '.', 'a/b', 'a\\b', 'a\nb', '']) {
      expect(() => upstreamPath(`/v3/${REMOTE}`, get(`/v3/${LOCAL}/volumes/v1`), project), JSON.stringify(project))
        .to.throw(OpenStackError, "The service provider's project id")
        .with.property('status', 502);
    }
  });
});

describe('catalogEndpoint', () => {
  it("picks the SP's endpoint by service type and interface", () => {
    expect(catalogEndpoint(CATALOG, { serviceType: 'block-storage', interface: 'public' }, 'Service provider sp1').href).to.equal(`http://sp:8776/v3/${REMOTE}`);
  });

  it('answers 403 naming the SP when its catalog for the project has no such endpoint', () => {
    expect(() => catalogEndpoint(CATALOG, { serviceType: 'image', interface: 'internal' }, 'Service provider sp1'))
      .to.throw(/Service provider sp1 has no image endpoint with interface internal/)
      .with.property('status', 403);
  });
});
