import type { CatalogEntry } from '@k2k/common';

/**
 * The local cloud's own region in a catalog: the region of the identity endpoint at `authUrl`.
 * The IdP's catalog may also list virtual regions (a k2k gateway's endpoints standing for a
 * service provider, DESIGN "Virtual regions"), which carry no Keystone of their own: an endpoint
 * chosen without a region is taken from this one, so a call meant for the local service never
 * goes out through a gateway. Undefined when no identity endpoint matches.
 */
export function homeRegion(catalog: readonly CatalogEntry[], authUrl: string): string | undefined {
  const base = trimmed(authUrl);
  for (const entry of catalog) {
    if (entry.type !== 'identity') continue;
    const found = entry.endpoints.find((endpoint) => trimmed(endpoint.url) === base || `${trimmed(endpoint.url)}/v3` === base);
    if (found) return found.regionId;
  }
  return undefined;
}

function trimmed(url: string): string {
  return url.replace(/\/+$/, '');
}
