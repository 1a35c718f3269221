import { OpenStackError } from '@k2k/common';

/**
 * The one place an upstream URL is made: the endpoint's origin with the given path and query set
 * as such. The path is never resolved against the endpoint as a reference, where a path starting
 * with '//host' or an absolute URL would replace the host and take the caller's token with it.
 */
export function composeUpstreamUrl(endpoint: URL, path: string, query: string): URL {
  const url = new URL(endpoint.origin);
  url.pathname = path;
  url.search = query;
  if (url.origin !== endpoint.origin) throw new OpenStackError(500, 'The upstream URL left its endpoint.');
  return url;
}
