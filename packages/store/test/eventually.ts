import { setTimeout as sleep } from 'node:timers/promises';

/** Retries an assertion until it passes or `withinMs` runs out (then its last error is thrown). */
export async function eventually(assertion: () => Promise<unknown>, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await sleep(50);
    }
  }
}
