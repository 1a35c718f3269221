import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { ListenConfig } from '../config/config.js';
import { expressBornRequests } from './express-born-requests.js';
import { oneRequestPerConnection } from './pipelined-requests.js';

/** An HTTP server for an Express app with the configured timeouts (`listen.*_timeout_seconds`), one request per connection at a time. */
export function createListener(app: Express, timeouts: ListenConfig): Server {
  const headersTimeout = timeouts.headersTimeoutSeconds * 1000;
  const server = createServer(
    {
      ...expressBornRequests(app),
      requestTimeout: timeouts.requestTimeoutSeconds * 1000, // 0: off, so a long upload is not cut at node's 300 s
      headersTimeout,
      // node enforces both timeouts only at this interval (default 30 s): check often enough that a
      // short headers timeout means what it says
      connectionsCheckingInterval: Math.min(Math.max(headersTimeout / 10, 100), 30_000),
    },
    oneRequestPerConnection(app),
  );
  server.keepAliveTimeout = timeouts.keepAliveTimeoutSeconds * 1000;
  return server;
}

/** Listens on host:port and resolves with the port (the one chosen, for port 0). */
export function listen(server: Server, address: { host: string; port: number }): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Stops accepting connections and resolves once the open ones are gone: idle keep-alive
 * connections are closed at once and as they turn idle, requests in flight get `timeoutMs`, then
 * every connection left is cut.
 */
export async function closeListener(server: Server, timeoutMs: number): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
  const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
  await closed;
  clearInterval(idleSweep);
  clearTimeout(deadline);
}
