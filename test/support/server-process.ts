import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

/** A server started in its own process, by the e2e tests and the bench. */
export interface ServerProcess {
  url: string;
  pid: number;
  /** Resident memory now (bytes), from /proc */
  rss(): number;
  /** CPU time used so far, user + system (ms), from /proc */
  cpuMs(): number;
  stop(): Promise<void>;
}

/** Starts `node script ...args`, which prints {"port": N} once listening. */
export async function startProcess(script: string, args: string[]): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      const line = output.split('\n').find((candidate) => candidate.startsWith('{"port"'));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return fromChild(child, port);
}

export function fromChild(child: ChildProcess, port: number, pid = child.pid ?? -1): ServerProcess {
  return {
    url: `http://127.0.0.1:${port}`,
    pid,
    rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024,
    cpuMs: () => cpuMsOf(pid),
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** utime + stime of a process (fields 14 and 15 of /proc/PID/stat, in clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
