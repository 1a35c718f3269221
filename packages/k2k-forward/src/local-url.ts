import { composeUpstreamUrl } from './upstream-url.js';
import type { ParsedPath } from './parse-request.js';

const VERSION_SEGMENT = /\/v\d+(\.\d+)?(\/|$)/;

/**
 * The local upstream's URL for a request (gateway mode): the path the gateway received below its
 * mount goes below the local endpoint's path prefix, the part of the configured URL before its
 * version ('http://host/volume/v3/%(project_id)s' -> '/volume'; 'http://host:9292' -> '').
 */
export function localUrl(template: URL, parsed: ParsedPath): URL {
  const path = template.pathname.replace(/\/+$/, '');
  const version = VERSION_SEGMENT.exec(path);
  const prefix = version ? path.slice(0, version.index) : path;
  return composeUpstreamUrl(template, `${prefix}${parsed.path}`, parsed.query);
}
