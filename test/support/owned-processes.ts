import { setTimeout as sleep } from 'node:timers/promises';
import { startMemcached, type MemcachedServer } from '@k2k/testing';

/**
 * Processes a suite started and has not stopped yet: whatever happens to the test run, they are
 * SIGKILLed when it exits. `groups`: each pid leads a process group of its own (a detached child
 * with workers), and the whole group is signalled.
 */
export class OwnedProcesses {
  private readonly pids = new Set<number>();

  constructor(private readonly groups: boolean) {
    process.once('exit', () => {
      for (const pid of this.pids) this.signal(pid, 'SIGKILL');
    });
  }

  add(pid: number): void {
    this.pids.add(pid);
  }

  /** No longer ours to kill (it was stopped, or will be by whoever took it). */
  delete(pid: number): void {
    this.pids.delete(pid);
  }

  clear(): void {
    this.pids.clear();
  }

  /** Signals the process (or its group); one already gone is no error. */
  signal(pid: number, signal: NodeJS.Signals): void {
    try {
      process.kill(this.groups ? -pid : pid, signal);
    } catch {
      // already gone
    }
  }
}

/** memcached again on its old port, retried for a while: the port may be taken meanwhile as an ephemeral port. */
export async function restartMemcached(port: number, owned: OwnedProcesses): Promise<MemcachedServer> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const started = await startMemcached({ port });
      owned.add(started.pid);
      return started;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}
