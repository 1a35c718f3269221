import type { IncomingMessage } from 'node:http';

export const PROXY_LIST_HEADER = 'mm-proxy-list';

/** The proxies a request already passed (MM-PROXY-LIST, comma-separated). */
export function proxiesPassed(req: IncomingMessage): string[] {
  const raw = req.headers[PROXY_LIST_HEADER];
  const text = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  return text
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
}

/** MM-PROXY-LIST for the next hop: what was passed, plus this proxy. */
export function extendedProxyList(passed: readonly string[], proxyId: string): string {
  return [...passed, proxyId].join(',');
}
