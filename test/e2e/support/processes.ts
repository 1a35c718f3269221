import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FederationEnv } from '@k2k/testing';

/** A gateway worker running in a child process. */
export interface GatewayProcess {
  url: string;
  pid: number;
  /** Resident memory of the process now, from /proc (bytes) */
  rss(): number;
  stop(): Promise<void>;
}

export async function startGatewayProcess(env: FederationEnv, memcached: string, extra: { timeoutMs?: number } = {}): Promise<GatewayProcess> {
  const child: ChildProcess = spawn(process.execPath, [join(__dirname, 'gateway-process.js'), JSON.stringify({ env, memcached, ...extra })], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      const line = output.split('\n').find((candidate) => candidate.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`gateway process exited with ${code}`)));
  });
  const pid = child.pid ?? -1;
  return {
    url: `http://127.0.0.1:${port}`,
    pid,
    rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
