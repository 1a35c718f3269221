import { expect } from 'chai';
import { rewriteJsonLinks, rewriteLocation, rewriteUrl, type LinkMap } from '../src/answer/rewrite-links.js';

const LOCAL = '0123456789abcdef0123456789abcdef';
const REMOTE = 'fedcba9876543210fedcba9876543210';
const GATEWAY = 'https://gw.example.com:5001';
/** An SP's Cinder at http://sp:28776/v3/<REMOTE>, answering through the proxy's /volume mount */
const CINDER: LinkMap = { upstream: new URL('http://sp:28776'), proxy: new URL(`${GATEWAY}/volume`), project: { remote: REMOTE, local: LOCAL } };
/** An SP's Glance at http://sp:29292, through /image */
const GLANCE: LinkMap = { upstream: new URL('http://sp:29292'), proxy: new URL(`${GATEWAY}/image`) };
/** Nova behind a path prefix, http://nova.sp/compute/v2.1, through /compute */
const NOVA: LinkMap = { upstream: new URL('http://nova.sp/compute'), proxy: new URL(`${GATEWAY}/compute`) };

/** The body rewritten, parsed (or the same Buffer when nothing changed). */
function rewritten(body: unknown, map: LinkMap): unknown {
  return JSON.parse(rewriteJsonLinks(Buffer.from(JSON.stringify(body)), map).toString('utf8'));
}

describe('rewriteUrl', () => {
  it("points a URL below the upstream's root below the mount, with the caller's project id", () => {
    expect(rewriteUrl(`http://sp:28776/v3/${REMOTE}/volumes/detail?limit=1&marker=v1`, CINDER)).to.equal(`${GATEWAY}/volume/v3/${LOCAL}/volumes/detail?limit=1&marker=v1`);
    expect(rewriteUrl('http://sp:28776/v3/', CINDER)).to.equal(`${GATEWAY}/volume/v3/`);
    expect(rewriteUrl('http://sp:28776', CINDER)).to.equal(`${GATEWAY}/volume/`);
  });

  it('keeps a path prefix of the upstream and of the proxy apart', () => {
    expect(rewriteUrl('http://nova.sp/compute/v2.1/servers/detail?limit=1&marker=s1', NOVA)).to.equal(`${GATEWAY}/compute/v2.1/servers/detail?limit=1&marker=s1`);
    expect(rewriteUrl('http://nova.sp/placement/resource_providers', NOVA)).to.equal('http://nova.sp/placement/resource_providers');
    expect(rewriteUrl('http://nova.sp/computer/x', NOVA)).to.equal('http://nova.sp/computer/x');
  });

  it('leaves links to other hosts, ports or schemes alone, and anything not an absolute URL', () => {
    for (const link of ['https://docs.openstack.org/', 'http://sp:8776/v3/', 'https://sp:28776/v3/', 'http://other:28776/v3/', '/v3/', 'v3/', 'mailto:x@sp', 'http://[bad']) {
      expect(rewriteUrl(link, CINDER), link).to.equal(link);
    }
  });

  it('replaces only whole path segments naming the remote project, never the query', () => {
    expect(rewriteUrl(`http://sp:28776/v3/${REMOTE}/volumes?project_id=${REMOTE}`, CINDER)).to.equal(`${GATEWAY}/volume/v3/${LOCAL}/volumes?project_id=${REMOTE}`);
    expect(rewriteUrl(`http://sp:28776/v3/${REMOTE}x/volumes`, CINDER)).to.equal(`${GATEWAY}/volume/v3/${REMOTE}x/volumes`);
  });
});

describe('rewriteLocation', () => {
  it("rewrites the absolute Location of Cinder's 302 for /v3 and of Glance's 201", () => {
    expect(rewriteLocation('http://sp:28776/v3/', CINDER)).to.equal(`${GATEWAY}/volume/v3/`);
    expect(rewriteLocation('http://sp:29292/v2/images/i1', GLANCE)).to.equal(`${GATEWAY}/image/v2/images/i1`);
  });

  it('puts the mount before a path, which a client resolves against the host it asked', () => {
    expect(rewriteLocation('/v3/', CINDER)).to.equal('/volume/v3/');
    expect(rewriteLocation(`/v3/${REMOTE}/volumes?x=1#f`, CINDER)).to.equal(`/volume/v3/${LOCAL}/volumes?x=1#f`);
    expect(rewriteLocation('/placement/x', NOVA)).to.equal('/placement/x');
  });

  it('leaves other hosts, relative references and //host alone', () => {
    for (const location of ['https://elsewhere/v3/', 'v3/', '//sp:28776/v3/']) expect(rewriteLocation(location, CINDER)).to.equal(location);
  });
});

describe('rewriteJsonLinks', () => {
  it("rewrites Cinder's volumes_links and each volume's self and bookmark links", () => {
    const volume = (id: string) => ({
      id,
      name: id,
      links: [
        { href: `http://sp:28776/v3/${REMOTE}/volumes/${id}`, rel: 'self' },
        { href: `http://sp:28776/${REMOTE}/volumes/${id}`, rel: 'bookmark' },
      ],
    });
    const body = { volumes: [volume('v1')], volumes_links: [{ href: `http://sp:28776/v3/${REMOTE}/volumes?limit=1&marker=v1`, rel: 'next' }] };
    expect(rewritten(body, CINDER)).to.deep.equal({
      volumes: [
        {
          id: 'v1',
          name: 'v1',
          links: [
            { href: `${GATEWAY}/volume/v3/${LOCAL}/volumes/v1`, rel: 'self' },
            { href: `${GATEWAY}/volume/${LOCAL}/volumes/v1`, rel: 'bookmark' },
          ],
        },
      ],
      volumes_links: [{ href: `${GATEWAY}/volume/v3/${LOCAL}/volumes?limit=1&marker=v1`, rel: 'next' }],
    });
  });

  it("rewrites Nova's servers_links and the links nested in a server (image, flavor)", () => {
    const body = {
      servers: [{ id: 's1', image: { id: 'i1', links: [{ rel: 'bookmark', href: 'http://nova.sp/compute/images/i1' }] }, links: [{ rel: 'self', href: 'http://nova.sp/compute/v2.1/servers/s1' }] }],
      servers_links: [{ rel: 'next', href: 'http://nova.sp/compute/v2.1/servers/detail?limit=1&marker=s1' }],
    };
    expect(rewritten(body, NOVA)).to.deep.equal({
      servers: [{ id: 's1', image: { id: 'i1', links: [{ rel: 'bookmark', href: `${GATEWAY}/compute/images/i1` }] }, links: [{ rel: 'self', href: `${GATEWAY}/compute/v2.1/servers/s1` }] }],
      servers_links: [{ rel: 'next', href: `${GATEWAY}/compute/v2.1/servers/detail?limit=1&marker=s1` }],
    });
  });

  it("keeps Glance's endpoint-relative next, first, schema, self and file: clients append them to the mount", () => {
    const image = { id: 'i1', self: '/v2/images/i1', file: '/v2/images/i1/file', schema: '/v2/schemas/image' };
    const body = { images: [image], first: '/v2/images?limit=1', next: '/v2/images?limit=1&marker=i1', schema: '/v2/schemas/images' };
    const bytes = Buffer.from(JSON.stringify(body));
    expect(rewriteJsonLinks(bytes, GLANCE)).to.equal(bytes);
  });

  it("rewrites Glance's link fields when they are absolute URLs pointing upstream", () => {
    const body = { next: 'http://sp:29292/v2/images?marker=i1', first: 'http://sp:29292/v2/images', images: [{ id: 'i1', self: 'http://sp:29292/v2/images/i1', file: 'http://sp:29292/v2/images/i1/file', schema: 'http://sp:29292/v2/schemas/image' }] };
    expect(rewritten(body, GLANCE)).to.deep.equal({
      next: `${GATEWAY}/image/v2/images?marker=i1`,
      first: `${GATEWAY}/image/v2/images`,
      images: [{ id: 'i1', self: `${GATEWAY}/image/v2/images/i1`, file: `${GATEWAY}/image/v2/images/i1/file`, schema: `${GATEWAY}/image/v2/schemas/image` }],
    });
  });

  it("rewrites Cinder's version document, leaving its describedby link to the docs alone", () => {
    const document = {
      versions: [
        {
          id: 'v3.0',
          status: 'CURRENT',
          version: '3.70',
          min_version: '3.0',
          updated: '2022-08-31T00:00:00Z',
          links: [
            { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
            { rel: 'self', href: 'http://sp:28776/v3/' },
          ],
          'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' }],
        },
      ],
    };
    const [version] = (rewritten(document, CINDER) as typeof document).versions;
    expect(version.links).to.deep.equal([
      { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
      { rel: 'self', href: `${GATEWAY}/volume/v3/` },
    ]);
    expect(version).to.deep.include({ id: 'v3.0', version: '3.70', 'media-types': document.versions[0]['media-types'] });
  });

  it("rewrites Glance's versions and a single version document (version.links)", () => {
    const versions = { versions: ['v2.16', 'v2.15'].map((id) => ({ id, status: 'SUPPORTED', links: [{ rel: 'self', href: 'http://sp:29292/v2/' }] })) };
    expect(rewritten(versions, GLANCE)).to.deep.equal({ versions: ['v2.16', 'v2.15'].map((id) => ({ id, status: 'SUPPORTED', links: [{ rel: 'self', href: `${GATEWAY}/image/v2/` }] })) });
    expect(rewritten({ version: { id: 'v2.1', links: [{ rel: 'self', href: 'http://nova.sp/compute/v2.1/' }] } }, NOVA)).to.deep.equal({
      version: { id: 'v2.1', links: [{ rel: 'self', href: `${GATEWAY}/compute/v2.1/` }] },
    });
  });

  it('rewrites a links object of URLs (api-wg style) and keeps its nulls', () => {
    expect(rewritten({ links: { self: 'http://sp:28776/v3/x', next: null } }, CINDER)).to.deep.equal({ links: { self: `${GATEWAY}/volume/v3/x`, next: null } });
  });

  it('gives back the same bytes when nothing points upstream, and any body that is not JSON', () => {
    for (const text of ['{"volumes": [], "volumes_links": [{"href": "http://other/v3/x", "rel": "next"}]}', '{"volume": {"name": "links"}}', 'not json', '']) {
      const bytes = Buffer.from(text);
      expect(rewriteJsonLinks(bytes, CINDER), text).to.equal(bytes);
    }
  });

  it('finds a link to the upstream whatever the case of its host name (URL hosts are case-insensitive)', () => {
    expect(rewritten({ links: [{ rel: 'self', href: 'http://SP:28776/v3/x' }] }, CINDER)).to.deep.equal({ links: [{ rel: 'self', href: `${GATEWAY}/volume/v3/x` }] });
    expect(rewritten({ version: { links: [{ rel: 'self', href: 'HTTP://Nova.SP/compute/v2.1/' }] } }, NOVA)).to.deep.equal({ version: { links: [{ rel: 'self', href: `${GATEWAY}/compute/v2.1/` }] } });
  });

  it('keeps a member named __proto__ a plain member', () => {
    const out = rewriteJsonLinks(Buffer.from('{"__proto__": {"links": [{"href": "http://sp:28776/v3/x"}]}, "id": 1}'), CINDER).toString('utf8');
    expect(JSON.parse(out)).to.deep.equal(JSON.parse(`{"__proto__": {"links": [{"href": "${GATEWAY}/volume/v3/x"}]}, "id": 1}`));
  });
});
