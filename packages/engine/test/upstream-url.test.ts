import { expect } from 'chai';
import fc from 'fast-check';
import { OpenStackError } from '@k2k/common';
import { parseApiRequest, type ApiRequest } from '../src/parse/parse-request.js';
import { upstreamPath } from '../src/execute/upstream-path.js';
import { composeUpstreamUrl } from '../src/execute/upstream-url.js';

const PROJECT = '0123456789abcdef0123456789abcdef';
const REMOTE = 'fedcba9876543210fedcba9876543210';
const ENDPOINTS = [`http://sp:8776/v3/${REMOTE}`, 'http://sp:9292', 'https://sp/compute/v2.1', 'http://sp:8080/image'];

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

/**
 * Whether a URL stays at the endpoint: same origin, and a path below the endpoint's root (its path
 * before the version) that the upstream cannot resolve elsewhere: below the root, no segment is a
 * dot segment (even percent-encoded) and none is empty but the last. For an endpoint at the root of
 * its host the first test alone would hold for any path; the second holds there too.
 */
function staysAt(url: URL, endpoint: URL): boolean {
  const root = endpoint.pathname.replace(/\/v\d.*$/, '').replace(/\/+$/, '');
  if (url.origin !== endpoint.origin || !url.pathname.startsWith(`${root}/`)) return false;
  const below = url.pathname.slice(root.length + 1).split('/');
  return below.every((segment, i) => (segment !== '' || i === below.length - 1) && !DOT_SEGMENT.test(segment));
}

const DOT_SEGMENT = /^(\.|%2e){1,2}$/i;

describe('upstream URL composition (property-based)', () => {
  it('never leaves the chosen endpoint, whatever the request target; refuses with 400 or composes', () => {
    fc.assert(
      fc.property(target, fc.constantFrom(...ENDPOINTS), (requestTarget, endpoint) => {
        let request: ApiRequest;
        try {
          request = parseApiRequest('GET', requestTarget, PROJECT);
        } catch (error) {
          // The only way to fail: a 400 in OpenStack's shape.
          return error instanceof OpenStackError && error.status === 400;
        }
        const base = new URL(endpoint);
        const urls = [REMOTE, undefined].flatMap((project) => [request.rest, request.resourcePath ?? request.rest].map((rest) => composeUpstreamUrl(base, upstreamPath(base.pathname, request, project, rest), request.query)));
        return urls.every((url) => staysAt(url, base));
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
