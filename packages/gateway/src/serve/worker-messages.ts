/**
 * What a gateway process says over its IPC channel: a cluster worker to the primary, the primary
 * (or a single-process gateway) to whoever started it (the demo, the tests).
 */

/** Every listener of the process is up. */
export interface ListeningMessage {
  type: 'k2k:listening';
  port: number;
  /** The admin listener's port, when one is configured */
  adminPort?: number;
}

/** The process could not start; `reason` is what the operator needs to read (never a secret). */
export interface StartFailedMessage {
  type: 'k2k:start-failed';
  reason: string;
}

export function isListening(message: unknown): message is ListeningMessage {
  return (message as ListeningMessage | undefined)?.type === 'k2k:listening' && typeof (message as ListeningMessage).port === 'number';
}

export function isStartFailed(message: unknown): message is StartFailedMessage {
  return (message as StartFailedMessage | undefined)?.type === 'k2k:start-failed' && typeof (message as StartFailedMessage).reason === 'string';
}
