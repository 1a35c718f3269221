/**
 * A gateway worker process for the e2e suite: keystoneAuth + k2kForward (/volume, /image) on the
 * given federation, sharing the given memcached. argv[2]: JSON { env, memcached, timeoutMs? }.
 * Prints {"port": N} once listening; exits on SIGTERM.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createStore } from '@k2k/store';
import type { FederationEnv } from '@k2k/testing';
import { testGateway } from '@k2k/k2k-forward/dist/test/gateway-fixture.js';
import { GATEWAY_STORE_SECRET } from './processes.js';

const config = JSON.parse(process.argv[2]) as { env: FederationEnv; memcached: string; timeoutMs?: number };
const store = createStore({ backend: 'memcached', servers: [config.memcached], secret: GATEWAY_STORE_SECRET });
const gateway = testGateway(config.env, store, config.timeoutMs ? { timeoutMs: config.timeoutMs } : {});
const server = createServer(gateway.app);
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void Promise.all([gateway.close(), store.close()]).then(() => process.exit(0));
});
