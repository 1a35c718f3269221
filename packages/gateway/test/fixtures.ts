import { once } from 'node:events';
import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Federation } from '@k2k/testing';
import { parseConfig, type GatewayConfig } from '../src/config/config.js';
import type { GatewayProcess } from '../src/serve/start-gateway.js';

/** A one-worker gateway config on the simulated federation (/volume and /image), with `extra` keys. */
export function configFor(federation: Federation, extra: Record<string, unknown> = {}): GatewayConfig {
  return parseConfig({
    listen: { host: '127.0.0.1', port: 0 },
    workers: 1,
    keystone: { auth_url: federation.env.idpAuthUrl, service_auth: { username: 'k2k', password: 'secret', project_name: 'service' } },
    local: { endpoints: { volumev3: federation.env.idpVolumeEndpoint, image: federation.env.idpImageEndpoint } },
    mounts: { '/volume': 'volumev3', '/image': 'image' },
    ...extra,
  });
}

/** A folder for config files, removed by `remove()`. */
export function configFolder(): { write(name: string, config: object): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'k2k-gateway-'));
  return {
    write(name, config) {
      const file = join(dir, name);
      writeFileSync(file, JSON.stringify(config));
      return file;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A GET on a connection of its own (no keep-alive pool: a test may stop or kill the server in between), answered within 5 s. */
export function getOnNewConnection(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within 5 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** Polls `check` every 20 ms until it holds; fails after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms: ${check.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Stops a gateway a test started, whatever state the test left it in: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopGateway(gateway: GatewayProcess | undefined, graceMs = 5000): Promise<void> {
  const child = gateway?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs); // its workers exit when it is gone
  await exited;
  clearTimeout(timer);
}
