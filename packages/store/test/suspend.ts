import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Stops a process (SIGSTOP) and resolves once it is really stopped. `process.kill` only queues the
 * signal: each thread stops when it next runs, so on a loaded machine a memcached worker thread can
 * still answer a command sent right after `kill` returned (the server then looks stopped but is not).
 */
export async function suspend(pid: number, withinMs = 5000): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  const deadline = Date.now() + withinMs;
  while (!isStopped(pid)) {
    if (Date.now() >= deadline) throw new Error(`process ${pid} did not stop within ${withinMs} ms`);
    await sleep(1);
  }
}

/** Lets a suspended process run again. */
export function resume(pid: number): void {
  process.kill(pid, 'SIGCONT');
}

function isStopped(pid: number): boolean {
  if (existsSync('/proc/self/task')) {
    // Every thread: the group stop reaches the threads one by one.
    return readdirSync(`/proc/${pid}/task`).every((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return /^[Tt]$/.test(stat.charAt(stat.lastIndexOf(')') + 2)); // "pid (comm) STATE ..."
    });
  }
  return execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim().startsWith('T');
}
