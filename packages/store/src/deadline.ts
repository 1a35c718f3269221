/** How an operation under a deadline ended. */
export type DeadlineOutcome<T> = { ok: true; value: T } | { ok: false; reason: 'timeout' | 'error'; error?: Error };

/**
 * Runs a callback-style operation and settles within `ms` whatever it does. The memcached client
 * has no per-command timeout: a server that accepts a connection and never answers leaves the
 * callback pending forever, so every call goes through here. A late callback is ignored.
 */
export function withDeadline<T>(operation: (callback: (error: Error | undefined, value: T) => void) => void, ms: number): Promise<DeadlineOutcome<T>> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: DeadlineOutcome<T>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: 'timeout' }), ms);
    try {
      operation((error, value) => finish(error ? { ok: false, reason: 'error', error } : { ok: true, value }));
    } catch (error) {
      finish({ ok: false, reason: 'error', error: error as Error });
    }
  });
}
