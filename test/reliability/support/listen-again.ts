import { setTimeout as sleep } from 'node:timers/promises';

/**
 * up() after down(): the service listens again on its old ports. Those are ephemeral ports, so
 * while it was down an outgoing connection on this host may have been given one as its local port
 * (or a connection attempt to it may have connected to itself); that is the harness's problem, not
 * the gateway's: wait for the port to be free again, for a while.
 */
export async function listenAgain(server: { up(): Promise<void> }): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (let tries = 1; ; tries++) {
    try {
      await server.up();
      if (tries > 1) console.log(`      (the service's port was taken while it was down; listening again took ${tries} tries)`);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}
