import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NOVA_NEUTRON_ENV_FILE } from './stock-cli.js';

/** The Nova processes that read `[glance]`, `[cinder]` and `[neutron]` for the flows the tests drive, and their config files (nova-neutron-up.sh's). */
const PROCESSES = [
  { name: 'nova-api', config: 'nova.conf' },
  { name: 'nova-compute', config: 'nova-compute.conf' },
] as const;

/** Where the IdP cloud's Nova finds Glance, Cinder and Neutron: `[glance] endpoint_override`, `[cinder] endpoint_template`, `[neutron] endpoint_override`. */
export interface NovaServiceEndpoints {
  glance: string;
  /** With `%(project_id)s`, as Nova fills it in with the request's project */
  cinder: string;
  neutron: string;
}

/**
 * `value` as `key` of `[section]` in an ini text: the key's line replaced, or added at the section's
 * start; throws when the section is missing.
 */
export function withSetting(text: string, section: string, key: string, value: string): string {
  const lines = text.split('\n');
  const start = lines.indexOf(`[${section}]`);
  if (start < 0) throw new Error(`no [${section}] section`);
  const next = lines.findIndex((line, i) => i > start && line.startsWith('['));
  const end = next < 0 ? lines.length : next;
  const at = lines.findIndex((line, i) => i > start && i < end && line.split('=')[0].trim() === key);
  if (at >= 0) lines[at] = `${key} = ${value}`;
  else lines.splice(start + 1, 0, `${key} = ${value}`);
  return lines.join('\n');
}

/**
 * The IdP cloud's real Nova as nova-neutron-up.sh started it (`nova-neutron/nova-idp`): pointAt()
 * rewrites where its nova-api and nova-compute find Glance, Cinder and Neutron and restarts both the way
 * the script starts them (a process group of its own, its pid file rewritten, so that
 * nova-neutron-down.sh still stops them); restore() puts the script's files back and restarts
 * them again. Only these two processes: the conductor and scheduler take no part in the flows.
 */
export class IdpNova {
  private readonly saved = new Map<string, string>();

  constructor(
    /** nova-api's URL, `http://127.0.0.1:18774/v2.1` */
    private readonly computeEndpoint: string,
    /** An admin token of the IdP, to see nova-compute report in again */
    private readonly adminToken: () => Promise<string>,
    private readonly dir = join(dirname(NOVA_NEUTRON_ENV_FILE), 'nova-idp'),
  ) {}

  async pointAt(endpoints: NovaServiceEndpoints): Promise<void> {
    for (const { config } of PROCESSES) {
      const file = join(this.dir, config);
      const text = readFileSync(file, 'utf8');
      if (!this.saved.has(file)) this.saved.set(file, text);
      const settings: [string, string, string][] = [['glance', 'endpoint_override', endpoints.glance], ['cinder', 'endpoint_template', endpoints.cinder], ['neutron', 'endpoint_override', endpoints.neutron]];
      writeFileSync(file, settings.reduce((ini, [section, key, value]) => withSetting(ini, section, key, value), text));
    }
    await this.restart();
  }

  /** The files as they were before pointAt(), and the processes restarted on them; nothing when pointAt() was not called. */
  async restore(): Promise<void> {
    if (this.saved.size === 0) return;
    for (const [file, text] of this.saved) writeFileSync(file, text);
    this.saved.clear();
    await this.restart();
  }

  private async restart(): Promise<void> {
    const since = Date.now();
    for (const { name, config } of PROCESSES) {
      const pidFile = join(this.dir, `${name}.pid`);
      await stopGroup(Number(readFileSync(pidFile, 'utf8').trim()));
      // services-lib.sh's start(): the pid of a new session is its process group.
      const out = openSync(join(this.dir, `${name}.out`), 'a');
      const child = spawn('setsid', ['bash', '-c', 'echo $$ > "$0"; exec "$@"', pidFile, name, '--config-file', join(this.dir, config)], { detached: true, stdio: ['ignore', out, out] });
      child.unref();
      closeSync(out);
    }
    await this.ready(since);
  }

  /** Until nova-api answers and nova-compute reported after `since` (it consumes its RPC messages then): at most 120 s. */
  private async ready(since: number): Promise<void> {
    const deadline = Date.now() + 120_000;
    const root = new URL(this.computeEndpoint).origin;
    for (;;) {
      const services = await fetch(`${this.computeEndpoint}/os-services?binary=nova-compute`, { headers: { 'x-auth-token': await this.adminToken() } })
        .then(async (r) => (r.ok ? ((await r.json()) as { services: { state: string; updated_at: string | null }[] }).services : []))
        .catch(() => []);
      // Nova's times are UTC without a zone, to the second.
      const reported = services.some((s) => s.state === 'up' && s.updated_at !== null && Date.parse(`${s.updated_at}Z`) >= Math.floor(since / 1000) * 1000);
      if (reported) return;
      if (Date.now() > deadline) throw new Error(`the IdP's nova-api (${root}) or nova-compute not back within 120 s: see ${this.dir}/*.out and log/`);
      await sleep(1000);
    }
  }
}

/** TERM to the process group, up to 15 s, then KILL (services-lib.sh's stop_groups). */
async function stopGroup(group: number): Promise<void> {
  if (!Number.isInteger(group) || group <= 1) throw new Error(`not a process group: ${group}`);
  const alive = () => {
    try {
      process.kill(-group, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(-group, 'SIGTERM');
  for (let waited = 0; waited < 15_000 && alive(); waited += 500) await sleep(500);
  if (alive()) process.kill(-group, 'SIGKILL');
}
