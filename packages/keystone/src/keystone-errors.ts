import { OpenStackError } from '@k2k/common';

/** What went wrong talking to a Keystone. */
export type KeystoneFailure =
  /** Keystone answered with an error status; `status` is Keystone's own. */
  | 'refused'
  /** No connection could be made (refused, reset, DNS): answered as 502. */
  | 'unreachable'
  /** No answer within the timeout: answered as 504. */
  | 'timeout'
  /** An answer that is not what the protocol says (missing token header, bad JSON): 502. */
  | 'malformed'
  /** An https Keystone whose certificate failed verification (not signed by a trusted CA, expired, another host's): 502. */
  | 'certificate';

/**
 * An error from a Keystone call, carrying the status to answer with: Keystone's own for a refusal
 * (401, 403, 404...), 502 when it cannot be reached, its certificate is not trusted or it answers
 * nonsense, 504 when it is too slow.
 * `url` names the Keystone endpoint (never a token).
 */
export class KeystoneError extends OpenStackError {
  readonly failure: KeystoneFailure;
  readonly url: string;

  constructor(failure: KeystoneFailure, status: number, message: string, url: string, options?: { cause?: unknown }) {
    super(status, message, options);
    this.name = 'KeystoneError';
    this.failure = failure;
    this.url = url;
  }
}

export function refused(status: number, message: string, url: string): KeystoneError {
  return new KeystoneError('refused', status, message, url);
}

export function unreachable(url: string, cause: unknown): KeystoneError {
  return new KeystoneError('unreachable', 502, `Keystone at ${origin(url)} is unreachable: ${describeCause(cause)}`, url, { cause });
}

export function untrusted(url: string, problem: string, cause: unknown): KeystoneError {
  return new KeystoneError('certificate', 502, `Keystone at ${origin(url)} failed TLS certificate verification: ${problem}`, url, { cause });
}

export function timedOut(url: string, timeoutMs: number): KeystoneError {
  return new KeystoneError('timeout', 504, `Keystone at ${origin(url)} did not answer within ${timeoutMs} ms`, url);
}

export function malformed(url: string, what: string): KeystoneError {
  return new KeystoneError('malformed', 502, `Keystone at ${origin(url)} gave a malformed answer: ${what}`, url);
}

function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'an invalid URL';
  }
}

function describeCause(cause: unknown): string {
  const error = cause as { code?: string; message?: string } | undefined;
  return error?.code ?? error?.message ?? 'connection failed';
}
