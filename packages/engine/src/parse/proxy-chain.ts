import type { IncomingMessage } from 'node:http';
import { hostname } from 'node:os';
import { OptionError, requireString, withDefault } from '@k2k/common';

export const PROXY_LIST_HEADER = 'mm-proxy-list';

const NONE: readonly string[] = Object.freeze([]);

/** The proxies a request already passed (MM-PROXY-LIST, comma-separated). */
export function proxiesPassed(req: IncomingMessage): readonly string[] {
  const raw = req.headers[PROXY_LIST_HEADER];
  if (raw === undefined) return NONE; // most requests: they come from a client, not a proxy
  const text = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  return text
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
}

/** MM-PROXY-LIST for the next hop: what was passed, plus this proxy. */
export function extendedProxyList(passed: readonly string[], proxyId: string): string {
  return passed.length === 0 ? proxyId : [...passed, proxyId].join(',');
}

/** The `proxyId` option: this proxy's name in MM-PROXY-LIST, by default the host's name. */
export function parseProxyId(value: unknown, option: string): string {
  const proxyId = requireString(withDefault(value, hostname()), option);
  if (/[,\s]/.test(proxyId)) throw new OptionError(option, 'must not contain commas or spaces (it goes in MM-PROXY-LIST)');
  return proxyId;
}
