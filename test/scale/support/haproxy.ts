import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OwnedProcesses } from '../../support/owned-processes.js';

/** One gateway host as HAProxy sees it: its public port, and the admin port its health check asks. */
export interface Backend {
  name: string;
  port: number;
  adminPort: number;
}

export interface HealthCheck {
  interMs: number;
  fall: number;
  rise: number;
}

export interface HaproxyUnderTest {
  url: string;
  pid: number;
  /** Every line HAProxy wrote (stdout and stderr) */
  readonly lines: string[];
  stop(): Promise<void>;
}

/** HAProxy's process group: whatever happens to the test run, it does not outlive it. */
const running = new OwnedProcesses(true);

function haproxyOnPath(): boolean {
  return spawnSync('sh', ['-c', 'command -v haproxy'], { stdio: 'ignore' }).status === 0;
}

/**
 * Installs Debian's haproxy when it is not on PATH (as scripts/setup.sh installs memcached): as root,
 * or through sudo. An `apt-get update` first only when the install fails without it.
 */
export function ensureHaproxy(): void {
  if (haproxyOnPath()) return;
  const asRoot = process.getuid?.() === 0;
  const run = (args: string[]) => {
    const [command, ...rest] = asRoot ? args : ['sudo', '-n', ...args];
    execFileSync(command, rest, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 180_000 });
  };
  const install = ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'haproxy'];
  try {
    run(install);
  } catch {
    run(['apt-get', 'update', '-qq']);
    run(install);
  }
  if (!haproxyOnPath()) throw new Error('haproxy is still not on PATH after apt-get install haproxy');
}

/** One server's line of HAProxy's `show stat` (its CSV fields by name: status, stot, check_code, ...). */
export type ServerStat = Record<string, string>;

/**
 * The configuration the suite runs, and the one packages/gateway/README.md ("Deployment") shows:
 * round robin over the gateway hosts, an HTTP check of each host's /healthz on its admin port, a
 * failed connection retried on another host; `show stat` on the stats socket at `statsSocket`.
 */
export function haproxyConfig(port: number, backends: Backend[], check: HealthCheck, statsSocket: string): string {
  return [
    'global',
    '  maxconn 4096',
    `  stats socket ${statsSocket} mode 600 level user`,
    '',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout http-keep-alive 10s',
    '  retries 2',
    '  option redispatch 1',
    '  retry-on conn-failure empty-response',
    '',
    'frontend k2k',
    `  bind 127.0.0.1:${port}`,
    '  default_backend gateways',
    // an answer lost with a dead host is asked again of another only for a read: a create is never sent twice
    '  http-request disable-l7-retry unless METH_GET',
    '',
    'backend gateways',
    '  balance roundrobin',
    '  option httpchk GET /healthz',
    '  http-check expect status 200',
    `  default-server check inter ${check.interMs}ms fall ${check.fall} rise ${check.rise}`,
    ...backends.map((backend) => `  server ${backend.name} 127.0.0.1:${backend.port} port ${backend.adminPort}`),
    '',
  ].join('\n');
}

/** Writes the config to `dir/haproxy.cfg`, checks it (haproxy -c) and runs HAProxy in the foreground (-db) as its own process group. */
export async function startHaproxy(dir: string, config: string, port: number): Promise<HaproxyUnderTest> {
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, config);
  execFileSync('haproxy', ['-c', '-q', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const pid = child.pid ?? -1;
  running.add(pid);
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => lines.push(...chunk.split('\n').filter((line) => line.length > 0)));
  }
  const exited = once(child, 'exit');
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      running.signal(pid, 'SIGKILL');
      running.delete(pid);
      throw new Error(`haproxy did not listen on 127.0.0.1:${port}:\n${lines.join('\n')}`);
    }
    await sleep(50);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid,
    lines,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const gone = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
        if (!gone) running.signal(pid, 'SIGKILL');
        await exited;
      }
      running.signal(pid, 'SIGKILL');
      running.delete(pid);
    },
  };
}

/** `show stat` of one server of a backend, read from HAProxy's stats socket. */
export async function serverStat(statsSocket: string, backend: string, server: string): Promise<ServerStat> {
  const csv = await new Promise<string>((resolve, reject) => {
    const socket = connect(statsSocket);
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`haproxy stats socket ${statsSocket}: no answer within 3 s`));
    }, 3000);
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write('show stat\n'));
    socket.on('data', (chunk: string) => (text += chunk));
    // HAProxy closes the connection after answering one command
    socket.once('end', () => {
      clearTimeout(timer);
      resolve(text);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  const [header, ...rows] = csv.split('\n').filter((line) => line.length > 0);
  const names = header.replace(/^# /, '').split(',');
  for (const row of rows) {
    const values = row.split(',');
    if (values[0] === backend && values[1] === server) return Object.fromEntries(names.map((name, i) => [name, values[i] ?? '']));
  }
  throw new Error(`haproxy show stat has no ${backend}/${server}:\n${csv}`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
