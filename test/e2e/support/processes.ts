import { join } from 'node:path';
import type { FederationEnv } from '@k2k/testing';
import { startProcess, type ServerProcess } from '../../support/server-process.js';

/** A k2kForward gateway (gateway-process.ts) on a shared memcached, in a child process. */
export function startGatewayProcess(env: FederationEnv, memcached: string, extra: { timeoutMs?: number } = {}): Promise<ServerProcess> {
  return startProcess(join(__dirname, 'gateway-process.js'), [JSON.stringify({ env, memcached, ...extra })]);
}
