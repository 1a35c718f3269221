/**
 * The baseline of the benchmark: a plain Express + http-proxy-middleware proxy to one target, with
 * kept-alive upstream connections as the gateway has (without them http-proxy sends
 * `Connection: close` and every request pays for new connections on both sides).
 * argv[2]: the target URL; argv[3] `born`: its server makes requests born with the app's
 * prototypes, as the gateway's does (expressBornRequests), else a stock one (what `app.listen` makes).
 * Prints {"port": N} once listening.
 */
import { Agent, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { expressBornRequests } from '@k2k/gateway';

const app = express();
app.use(createProxyMiddleware({ target: process.argv[2], changeOrigin: true, agent: new Agent({ keepAlive: true, maxSockets: 256 }) }));
const server = process.argv[3] === 'born' ? createServer({ ...expressBornRequests(app) }, app) : createServer(app);
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`));
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
