import type { IncomingMessage } from 'node:http';
import { isIPv6 } from 'node:net';

/**
 * This proxy's URL for the mount a request came to, the base of every link an answer carries:
 * the configured `publicUrl` when there is one; else the scheme of the connection, the request's
 * Host header and the mount path (Express's `req.baseUrl`). Forwarded headers (X-Forwarded-*) are
 * not trusted: behind a proxy that terminates TLS or changes the host, configure `publicUrl`. A
 * missing or malformed Host falls back to the address the connection came in on.
 */
export function mountUrl(req: IncomingMessage, publicUrl: URL | undefined): URL {
  if (publicUrl) return publicUrl;
  const scheme = (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
  const mount = (req as IncomingMessage & { baseUrl?: unknown }).baseUrl;
  return new URL(`${scheme}://${hostOf(req)}${typeof mount === 'string' ? mount : ''}`);
}

/** The Host header when it names a host (and port) alone, nothing a URL would read as a path, user or query. */
function hostOf(req: IncomingMessage): string {
  const host = req.headers.host;
  if (host && /^[^\s/?#@\\]+$/.test(host)) {
    try {
      return new URL(`http://${host}`).host;
    } catch {
      // not a host name: the connection's address below
    }
  }
  const { localAddress = '127.0.0.1', localPort } = req.socket;
  return `${isIPv6(localAddress) ? `[${localAddress}]` : localAddress}:${localPort}`;
}
