import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import { GATEWAY_MAIN, startGatewayProcess, type GatewayProcess } from '@k2k/gateway';
import { KeystoneClient, type CatalogAdmin } from '@k2k/keystone';
import { readEnvFile, type FederationEnv } from '@k2k/testing';
import { ENV_FILE } from './real-keystone.js';

/** What services-up.sh brought up: the real Glance and Cinder of each cloud, and their catalog types. */
export interface RealServices {
  volumeServiceType: string;
  imageServiceType: string;
  /** Catalog-style URLs; the volume ones with %(project_id)s */
  idpVolumeEndpoint: string;
  idpImageEndpoint: string;
  spVolumeEndpoint: string;
  spImageEndpoint: string;
}

/** services-up.sh's env file: $K2K_SERVICES_ENV, else `services/env` beside the pair's env file. */
export const SERVICES_ENV_FILE = process.env.K2K_SERVICES_ENV ?? join(dirname(ENV_FILE), 'services', 'env');

export function realServices(): RealServices {
  const get = envFileReader(SERVICES_ENV_FILE, 'services-up.sh');
  return {
    volumeServiceType: get('REAL_VOLUME_SERVICE_TYPE'),
    imageServiceType: get('REAL_IMAGE_SERVICE_TYPE'),
    idpVolumeEndpoint: get('IDP_REAL_VOLUME_ENDPOINT'),
    idpImageEndpoint: get('IDP_REAL_IMAGE_ENDPOINT'),
    spVolumeEndpoint: get('SP_REAL_VOLUME_ENDPOINT'),
    spImageEndpoint: get('SP_REAL_IMAGE_ENDPOINT'),
  };
}

/** What nova-neutron-up.sh brought up: the real Nova and Neutron of each cloud, and their catalog types. */
export interface RealComputeNetwork {
  computeServiceType: string;
  networkServiceType: string;
  /** The public flavor each Nova has */
  flavor: string;
  idpComputeEndpoint: string;
  idpNetworkEndpoint: string;
  spComputeEndpoint: string;
  spNetworkEndpoint: string;
}

/** nova-neutron-up.sh's env file: $K2K_NOVA_NEUTRON_ENV, else `nova-neutron/env` beside the pair's env file. */
export const NOVA_NEUTRON_ENV_FILE = process.env.K2K_NOVA_NEUTRON_ENV ?? join(dirname(ENV_FILE), 'nova-neutron', 'env');

export function realComputeNetwork(): RealComputeNetwork {
  const get = envFileReader(NOVA_NEUTRON_ENV_FILE, 'nova-neutron-up.sh');
  return {
    computeServiceType: get('COMPUTE_SERVICE_TYPE'),
    networkServiceType: get('NETWORK_SERVICE_TYPE'),
    flavor: get('FLAVOR'),
    idpComputeEndpoint: get('IDP_REAL_COMPUTE_ENDPOINT'),
    idpNetworkEndpoint: get('IDP_REAL_NETWORK_ENDPOINT'),
    spComputeEndpoint: get('SP_REAL_COMPUTE_ENDPOINT'),
    spNetworkEndpoint: get('SP_REAL_NETWORK_ENDPOINT'),
  };
}

/** What horizon-up.sh brought up: Horizon against the IdP's Keystone, and the browser that drives it. */
export interface RealHorizon {
  url: string;
  chromium: string;
}

/** horizon-up.sh's env file: $K2K_HORIZON_ENV, else `horizon/env` beside the pair's env file. */
export const HORIZON_ENV_FILE = process.env.K2K_HORIZON_ENV ?? join(dirname(ENV_FILE), 'horizon', 'env');

export function realHorizon(): RealHorizon {
  const get = envFileReader(HORIZON_ENV_FILE, 'horizon-up.sh');
  return { url: get('HORIZON_URL'), chromium: get('CHROMIUM') };
}

/** A getter of one env file's variables, each required; a missing file names the script that writes it. */
function envFileReader(file: string, script: string): (name: string) => string {
  if (!existsSync(file)) {
    throw new Error(`${file} not found: run test/keystone/${script} after up.sh (test/keystone/run.sh does)`);
  }
  const vars = readEnvFile(file);
  return (name: string) => {
    const value = vars.get(name);
    if (!value) throw new Error(`${file}: ${name} is missing`);
    return value;
  };
}

/** `k2k-gateway catalog <action>` as a process: what it printed, or an error with its stderr. */
export function catalogCommand(action: 'print' | 'register' | 'remove', configFile: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [GATEWAY_MAIN, 'catalog', action, '--config', configFile], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`k2k-gateway catalog ${action} failed (${error.code}): ${String(stderr).trim()}\n${String(stdout).trim()}`));
      else resolve(String(stdout));
    });
  });
}

/** An after() hook's `catalog remove`: best effort, a failure logged, not thrown (the rest of the teardown still runs). */
export async function removeCatalogEntries(configFile: string): Promise<void> {
  try {
    await catalogCommand('remove', configFile);
  } catch (error) {
    console.log(`      (after: ${(error as Error).message})`);
  }
}

export interface CliResult {
  command: string;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Longest one CLI run may take (Python start-up alone is 1-2 s on a loaded 2-core machine). */
const CLI_TIMEOUT_MS = 120_000;

/**
 * Runs a stock CLI (`openstack`, `cinder`, `glance`) with exactly `env` (plus PATH and a locale): no
 * OS_* variable of the caller's environment leaks in. Never rejects: a non-zero exit, a timeout
 * (killed) or a missing binary come back as a result with a code other than 0. `cwd`: where relative
 * file arguments are read from (the test process's own directory unless given).
 */
export function runCli(command: string, args: readonly string[], env: Record<string, string>, cwd?: string): Promise<CliResult> {
  const shown = [command, ...args].join(' ');
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', PYTHONWARNINGS: 'ignore', ...env },
        cwd,
        timeout: CLI_TIMEOUT_MS,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        const why = error?.killed ? `\n(killed after ${CLI_TIMEOUT_MS} ms)` : '';
        resolve({ command: shown, code, stdout: String(stdout), stderr: String(stderr) + why });
      },
    );
  });
}

/** The CLI's stdout; throws with what it printed when it failed. */
export async function ok(run: Promise<CliResult>): Promise<string> {
  const result = await run;
  if (result.code !== 0) {
    throw new Error(`${result.command} exited with ${result.code}:\n${result.stderr.trim()}\n${result.stdout.trim()}`.slice(0, 4000));
  }
  return result.stdout;
}

/** A CLI's JSON output (`-f json`), once it succeeded. */
export async function printedJson<T>(run: Promise<CliResult>): Promise<T> {
  return JSON.parse(await ok(run)) as T;
}

/**
 * `openstack` at the SP's real services directly, with the CLI's own K2K (clouds.yaml cloud
 * `sp-direct`, in `cliEnv`): not through the gateway.
 */
export function openstackAtSp(env: FederationEnv, cliEnv: Record<string, string>, ...args: string[]): Promise<CliResult> {
  const k2k = ['--os-service-provider', env.spId, '--os-remote-project-name', env.spProject, '--os-remote-project-domain-name', 'Default'];
  return runCli('openstack', ['--os-cloud', 'sp-direct', ...k2k, '--os-volume-api-version', '3', ...args], cliEnv);
}

/** What `openstack ... -f json` prints of a volume. */
export interface PrintedVolume {
  id: string;
  name: string;
  size: number;
  status: string;
}

/** What `openstack ... -f json` prints of an image. */
export interface PrintedImage {
  id: string;
  name: string;
  status: string;
  checksum: string | null;
  size: number | null;
}

/** A row of what `openstack ... list -f json` prints. */
export interface PrintedRow {
  ID: string;
  Name: string;
  Status: string;
}

/** One answered request, from the gateway's JSON log line. */
export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
  serviceProvider: string;
}

/** Collects the "request" lines the gateway logs (one per answered request) from its stdout. */
export class GatewayLog {
  readonly requests: LoggedRequest[] = [];

  constructor(stdout: Readable) {
    let partial = '';
    stdout.setEncoding('utf8');
    stdout.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.add(line);
    });
  }

  private add(line: string): void {
    let record: { msg?: string; method?: string; path?: string; status?: number; serviceProvider?: string };
    try {
      record = JSON.parse(line);
    } catch {
      return;
    }
    if (record.msg !== 'request' || !record.method || !record.path) return;
    this.requests.push({ method: record.method, path: record.path, status: record.status ?? 0, serviceProvider: record.serviceProvider ?? '' });
  }

  /** Where the next requests will start: pass it to `since`. */
  mark(): number {
    return this.requests.length;
  }

  /**
   * The requests logged since `mark` once one matches `match` (the line can trail the CLI's exit
   * by a moment: waited for up to 3 s); throws, listing what was logged, if none does.
   */
  async expect(mark: number, match: (request: LoggedRequest) => boolean, what: string): Promise<LoggedRequest> {
    for (let waited = 0; ; waited += 100) {
      const found = this.requests.slice(mark).find(match);
      if (found) return found;
      if (waited >= 3000) {
        const seen = this.requests.slice(mark).map((r) => `${r.method} ${r.path} ${r.status} ${r.serviceProvider}`);
        throw new Error(`the gateway logged no ${what}; it logged:\n${seen.join('\n') || '(nothing)'}`);
      }
      await sleep(100);
    }
  }
}

/** The gateway as its own process on `configFile`, its request log collected; killed if the test run exits first. */
export async function startLoggedGateway(configFile: string): Promise<{ gateway: GatewayProcess; log: GatewayLog }> {
  const gateway = await startGatewayProcess(configFile, { logs: 'pipe', readyTimeoutMs: 60_000 });
  const child = gateway.child;
  process.once('exit', () => child.kill('SIGKILL'));
  return { gateway, log: new GatewayLog(child.stdout as Readable) };
}

/** Stops a gateway startLoggedGateway started: SIGTERM, then SIGKILL when it has not stopped within 15 s. */
export async function stopLoggedGateway(gateway: GatewayProcess): Promise<void> {
  const child = gateway.child;
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await gateway.stop();
  clearTimeout(killer);
}

/** The IdP's catalog administration as the pair's admin; close `client` when done. */
export async function idpCatalogAdmin(env: FederationEnv): Promise<{ client: KeystoneClient; admin: CatalogAdmin }> {
  const client = new KeystoneClient({ authUrl: env.idpAuthUrl, timeoutMs: 10_000 });
  const token = await client.authenticate(
    { user: { name: env.adminUser, domain: { name: 'Default' } }, password: env.adminPassword },
    { project: { name: 'admin', domain: { name: 'Default' } } },
  );
  return { client, admin: client.catalogAdmin(token.id) };
}

/**
 * The head every suite's gateway config shares: where it listens, its workers, and a drain that
 * does not hold up a test's `after`. `publicUrl` adds `public_url` (virtual regions need it).
 */
export function gatewayListening(port: number, workers: number, { publicUrl = false } = {}): Record<string, unknown> {
  return {
    listen: { host: '127.0.0.1', port },
    ...(publicUrl ? { public_url: `http://127.0.0.1:${port}` } : {}),
    workers,
    drain: { grace_seconds: 0, timeout_seconds: 5 },
  };
}

/** Deletes a region a test made in the IdP's catalog, after the endpoints in it (Keystone refuses a region in use). */
export async function deleteRegionAndEndpoints(admin: CatalogAdmin, region: string): Promise<void> {
  for (const endpoint of await admin.listEndpoints({ regionId: region })) await admin.deleteEndpoint(endpoint.id);
  await admin.deleteRegion(region);
}

/** A gateway config's `keystone` section: the IdP and the pair's service user. */
export function gatewayKeystone(env: FederationEnv): Record<string, unknown> {
  return {
    auth_url: env.idpAuthUrl,
    service_auth: { username: env.serviceUser, password: env.servicePassword, project_name: env.serviceProject },
  };
}

/** A gateway config's `keystone` section with a virtual region's needs: the service user, and the pair's admin (`catalog register`). */
export function gatewayKeystoneWithAdmin(env: FederationEnv): Record<string, unknown> {
  return { ...gatewayKeystone(env), admin_auth: { username: env.adminUser, password: env.adminPassword, project_name: 'admin' } };
}

/** The `auth` section of a clouds.yaml for the env's user at the IdP, in its project. */
export function userCloudAuth(env: FederationEnv): Record<string, string> {
  return {
    auth_url: env.idpAuthUrl,
    username: env.user,
    password: env.userPassword,
    user_domain_name: env.userDomain,
    project_name: env.idpProject,
    project_domain_name: 'Default',
  };
}

/** Calls `probe` every second until it returns something other than undefined, for at most `seconds`. */
export async function eventually<T>(what: string, seconds: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds} s`);
    await sleep(1000);
  }
}
