import { expect } from 'chai';
import fc from 'fast-check';
import { OpenStackError, type CatalogEntry } from '@k2k/keystone';
import { localUrl } from '../src/local-url.js';
import { parseRequestPath } from '../src/parse-request.js';
import { remoteUrl } from '../src/remote-url.js';
import { composeUpstreamUrl } from '../src/upstream-url.js';

const PROJECT = '0123456789abcdef0123456789abcdef';
const REMOTE = 'fedcba9876543210fedcba9876543210';
const ENDPOINTS = [`http://sp:8776/v3/${REMOTE}`, 'http://sp:9292', 'https://sp/compute/v2.1', 'http://sp:8080/image'];
const catalogOf = (url: string): CatalogEntry[] => [{ id: 's', type: 'volumev3', name: 'x', endpoints: [{ id: 'e', interface: 'public', region: 'R', regionId: 'R', url }] }];

/** Request targets an attacker would try, mixed with ordinary OpenStack paths. */
const target = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.webPath().map((path) => `/${path}`),
  fc.webPath().map((path) => `//${path}`),
  fc
    .array(fc.oneof(fc.constantFrom('v3', 'v2', PROJECT, 'volumes', 'images', '', '.', '..', '%2e', '%2F', '%5c', '@', ':', 'http:', 'evil:80', '%00'), fc.webSegment()), { maxLength: 8 })
    .chain((segments) => fc.constantFrom('', '?a=b', '?next=//evil/x', '#frag').map((tail) => `/${segments.join('/')}${tail}`)),
);

/** Whether a URL stays at the endpoint: same origin, and a path at or below the endpoint's path prefix. */
function staysAt(url: URL, endpoint: string, base: string): boolean {
  return url.origin === new URL(endpoint).origin && (url.pathname === base || url.pathname.startsWith(base === '/' ? '/' : `${base}/`));
}

describe('upstream URL composition (property-based)', () => {
  it('never leaves the chosen endpoint, whatever the request target; refuses with 400 or composes', () => {
    fc.assert(
      fc.property(target, fc.constantFrom(...ENDPOINTS), (requestTarget, endpoint) => {
        let parsed;
        try {
          parsed = parseRequestPath(requestTarget, PROJECT);
        } catch (error) {
          // The only way to fail: a 400 in OpenStack's shape.
          return error instanceof OpenStackError && error.status === 400;
        }
        const remote = remoteUrl(catalogOf(endpoint), { serviceType: 'volumev3', interface: 'public' }, parsed, REMOTE, 'sp1');
        const remoteBase = new URL(endpoint).pathname.replace(/\/+$/, '') || '/';
        const local = localUrl(new URL(endpoint), parsed);
        const localBase = new URL(endpoint).pathname.replace(/\/v\d.*$/, '').replace(/\/+$/, '') || '/';
        return staysAt(remote, endpoint, remoteBase) && staysAt(local, endpoint, localBase);
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps the origin for a path that looks like a host', () => {
    const url = composeUpstreamUrl(new URL('http://sp:9292'), '//evil:1/x', '?a=b');
    expect(url.origin).to.equal('http://sp:9292');
    expect(url.pathname).to.equal('//evil:1/x');
  });
});
