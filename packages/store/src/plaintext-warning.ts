import type { SharedStoreProtection } from './options.js';

/**
 * Says, once per store, that a shared backend keeps cached token data unprotected: through the
 * store's logger when it has one, else as a process warning (printed on stderr by default).
 */
export function warnIfPlaintext(options: SharedStoreProtection & { backend: string }): void {
  if (!options.insecurePlaintext) return;
  const { backend } = options;
  const message = `${backend} store without a secret (insecurePlaintext: true): cached tokens are stored unprotected, readable and usable by anyone who can reach the servers`;
  if (options.logger) options.logger.warn({ backend }, message);
  else process.emitWarning(message, { code: 'K2K_STORE_PLAINTEXT' });
}
