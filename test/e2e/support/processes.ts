import { join } from 'node:path';
import type { FederationEnv } from '@k2k/testing';
import { startProcess, type ServerProcess } from '../../support/server-process.js';

/** The store secret of the gateway processes: a test that reads what they stored opens it with the same. */
export const GATEWAY_STORE_SECRET = 'e2e-shared-secret-0123';

/** A k2kForward gateway (gateway-process.ts) on a shared memcached, in a child process. */
export function startGatewayProcess(env: FederationEnv, memcached: string, extra: { timeoutMs?: number } = {}): Promise<ServerProcess> {
  return startProcess(join(__dirname, 'gateway-process.js'), [JSON.stringify({ env, memcached, ...extra })]);
}
