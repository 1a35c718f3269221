import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GATEWAY_MAIN } from '@k2k/gateway';
import type { FederationEnv } from '@k2k/testing';
import { OwnedProcesses } from '../../support/owned-processes.js';

/** The gateway (packages/gateway) run as its own process group: a cluster primary and its workers. */
export interface GatewayUnderTest {
  url: string;
  /** The primary's pid, also the process group id */
  pid: number;
  /** Every line the gateway wrote, stdout and stderr, from its start */
  readonly lines: string[];
  /** Pids of the workers that said they listen, in order (a replaced worker stays listed) */
  workerPids(): number[];
  /** Pids of the workers that answered at least one request logged since line `from` */
  answeringPids(from: number): Set<number>;
  /** SIGTERM, then SIGKILL to the whole group if it is not gone within `graceMs` */
  stop(graceMs?: number): Promise<void>;
}

interface LogRecord {
  pid?: number;
  msg?: string;
}

/** Gateway process groups: whatever happens to the test run, none outlives it. */
const running = new OwnedProcesses(true);

function parse(line: string): LogRecord | undefined {
  try {
    return JSON.parse(line) as LogRecord;
  } catch {
    return undefined;
  }
}

/**
 * The config keys the reliability and scale suites share: 2 workers with the IdP's service user, a
 * /volume mount over the IdP's volume service and every SP the IdP offers, and an encrypted store
 * on `memcachedServers`. Each suite adds its listener and its own keys.
 */
export function volumeGatewayConfig(env: FederationEnv, memcachedServers: string[], storeSecret: string): Record<string, unknown> {
  return {
    workers: 2,
    keystone: { auth_url: env.idpAuthUrl, service_auth: { username: env.serviceUser, password: env.servicePassword, project_name: env.serviceProject } },
    local: { name: 'local', endpoints: { volumev3: env.idpVolumeEndpoint } },
    service_providers: 'auto',
    mounts: { '/volume': 'volumev3' },
    store: { backend: 'memcached', servers: memcachedServers, secret_key: storeSecret, security_strategy: 'ENCRYPT' },
  };
}

/** Writes `config` to `dir/gateway.json` and starts the gateway on it; resolves once every worker listens. */
export async function startGateway(dir: string, config: Record<string, unknown>): Promise<GatewayUnderTest> {
  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  // detached: its own process group, so that a cleanup reaches the workers too
  const child: ChildProcess = spawn(process.execPath, [GATEWAY_MAIN, '--config', file], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true });
  const pid = child.pid ?? -1;
  running.add(pid);
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts.filter((line) => line.length > 0));
    });
    stream?.once('end', () => partial && lines.push(partial));
  }
  const exited = once(child, 'exit');
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      child.on('message', (message: { type?: string; port?: number }) => {
        if (message?.type === 'k2k:listening' && message.port) resolve(message.port);
      });
      child.once('exit', (code) => reject(new Error(`the gateway exited with code ${code} before listening:\n${lines.join('\n')}`)));
      setTimeout(() => reject(new Error(`the gateway did not listen within 20 s:\n${lines.join('\n')}`)), 20_000).unref();
    });
  } catch (error) {
    running.signal(pid, 'SIGKILL');
    running.delete(pid);
    throw error;
  }

  const records = (from = 0) => lines.slice(from).map(parse);
  return {
    url: `http://127.0.0.1:${port}`,
    pid,
    lines,
    workerPids: () => records().flatMap((record) => (record?.msg === 'gateway listening' && record.pid ? [record.pid] : [])),
    answeringPids: (from) => new Set(records(from).flatMap((record) => (record?.msg === 'request' && record.pid ? [record.pid] : []))),
    stop: async (graceMs = 15_000) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const gone = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
        if (!gone) child.kill('SIGKILL');
        await exited;
      }
      // the workers too, had the primary left any behind
      running.signal(pid, 'SIGKILL');
      running.delete(pid);
    },
  };
}
