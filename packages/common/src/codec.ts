/**
 * The types of the codec a Store seals values with (its implementation, createSecureCodec, is in
 * @k2k/store): here so that the Store interface type needs nothing else.
 */

/**
 * How cached values are protected, as keystonemiddleware's `memcache_security_strategy`:
 * MAC authenticates each value (HMAC-SHA256), ENCRYPT also hides it (AES-256-GCM).
 */
export type SecurityStrategy = 'MAC' | 'ENCRYPT';

/** Where one cached value lives and how it is sealed: derived from the secret and its subject. */
export interface SealedSlot {
  /** The cache key: a hash, never the subject (a token) itself. */
  readonly key: string;
  seal(plain: Buffer): Buffer;
  /** The plain value, or undefined for a tampered, foreign or differently sealed value. */
  open(sealed: Buffer): Buffer | undefined;
}

export interface SecureCodec {
  /** 'NONE' when no secret was configured: keys are still hashes, values are stored as they are. */
  readonly strategy: SecurityStrategy | 'NONE';
  /**
   * The slot for a value cached on behalf of `subject` (a token, or token + SP + project) in a
   * namespace ('auth-token', 'remote-token', ...). As in keystonemiddleware, the cache key, the
   * MAC key and the cipher key are all derived from the secret and the subject: the key reveals
   * nothing, and reading a value needs both the secret and the token it was cached for.
   */
  slot(namespace: string, subject: string): SealedSlot;
}
