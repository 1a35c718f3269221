import { randomBytes } from 'node:crypto';

/** A Keystone-style id: 32 hex characters. */
export function newId(): string {
  return randomBytes(16).toString('hex');
}

/** An audit id as Keystone makes them: 16 random bytes, url-safe base64 without padding. */
export function newAuditId(): string {
  return randomBytes(16).toString('base64url');
}

/** An opaque token that looks like a Fernet token (same prefix, alphabet and length range). */
export function newTokenId(): string {
  return `gAAAAAB${randomBytes(136).toString('base64url')}`;
}
