import { KeystoneError } from '@k2k/keystone';

/** One call keystoneAuth made to Keystone, for metrics: `events.on('keystone-call', ...)`. */
export interface KeystoneCallEvent {
  /** 'validate': a user's token checked; 'service-token': the service's own token obtained */
  call: 'validate' | 'service-token';
  /** 'ok'; 'refused': Keystone said no (4xx: an invalid token, bad credentials); 'failed': a 5xx, no answer or nonsense */
  outcome: 'ok' | 'refused' | 'failed';
  durationMs: number;
}

export type KeystoneCallListener = (event: KeystoneCallEvent) => void;

/** Runs one Keystone call, reporting its outcome and duration. */
export async function timedCall<T>(call: KeystoneCallEvent['call'], run: () => Promise<T>, report: KeystoneCallListener): Promise<T> {
  const started = performance.now();
  try {
    const result = await run();
    report({ call, outcome: 'ok', durationMs: performance.now() - started });
    return result;
  } catch (error) {
    const refused = error instanceof KeystoneError && error.failure === 'refused' && error.status < 500;
    report({ call, outcome: refused ? 'refused' : 'failed', durationMs: performance.now() - started });
    throw error;
  }
}
