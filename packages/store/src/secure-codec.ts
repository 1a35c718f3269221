import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SealedSlot, SecureCodec, SecurityStrategy } from '@k2k/common';
import { RecentlyUsed } from './recently-used.js';

const FORMAT = { NONE: 0, MAC: 1, ENCRYPT: 2 } as const;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MAC_BYTES = 32;
/** Derived slots kept per codec: a few MB at most, and a warm read skips the HKDF derivation. */
const REMEMBERED_SLOTS = 4096;

export function createSecureCodec(secret: string | undefined, strategy: SecurityStrategy = 'ENCRYPT'): SecureCodec {
  if (secret === undefined) return { strategy: 'NONE', slot: plainSlot };
  const ikm = Buffer.from(secret, 'utf8');
  const derive = (namespace: string, subject: string): SealedSlot => {
    // HKDF-SHA256 with the subject as salt: 32 bytes of key name, 32 of MAC key, 32 of cipher key.
    const material = Buffer.from(hkdfSync('sha256', ikm, Buffer.from(subject, 'utf8'), `k2k-store/v1/${namespace}`, 96));
    const key = cacheKey(namespace, material.subarray(0, 32));
    return strategy === 'MAC' ? macSlot(key, material.subarray(32, 64)) : encryptSlot(key, material.subarray(64, 96));
  };
  // HKDF is the costliest step of a warm cache read, and every request of a user repeats it with
  // the same token: derive once. Remembered under a hash, so no token is held as a map key.
  const slots = new RecentlyUsed<SealedSlot>(REMEMBERED_SLOTS);
  return {
    strategy,
    slot(namespace, subject) {
      const id = createHash('sha256').update(namespace).update('\0').update(subject).digest('base64');
      return slots.getOrCreate(id, () => derive(namespace, subject));
    },
  };
}

function cacheKey(namespace: string, digest: Buffer): string {
  return `k2k:${namespace}:${digest.toString('base64url')}`;
}

function plainSlot(namespace: string, subject: string): SealedSlot {
  const key = cacheKey(namespace, createHash('sha256').update(`${namespace}\0${subject}`).digest());
  return {
    key,
    seal: (plain) => Buffer.concat([Buffer.of(FORMAT.NONE), plain]),
    open: (sealed) => (sealed[0] === FORMAT.NONE ? sealed.subarray(1) : undefined),
  };
}

function macSlot(key: string, macKey: Buffer): SealedSlot {
  // The MAC covers the cache key too, so a value copied under another key does not verify.
  const mac = (payload: Buffer) => createHmac('sha256', macKey).update(key).update(payload).digest();
  return {
    key,
    seal: (plain) => Buffer.concat([Buffer.of(FORMAT.MAC), plain, mac(plain)]),
    open(sealed) {
      if (sealed[0] !== FORMAT.MAC || sealed.length < 1 + MAC_BYTES) return undefined;
      const payload = sealed.subarray(1, sealed.length - MAC_BYTES);
      return timingSafeEqual(mac(payload), sealed.subarray(sealed.length - MAC_BYTES)) ? payload : undefined;
    },
  };
}

function encryptSlot(key: string, cipherKey: Buffer): SealedSlot {
  const aad = Buffer.from(key);
  return {
    key,
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', cipherKey, iv).setAAD(aad);
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return Buffer.concat([Buffer.of(FORMAT.ENCRYPT), iv, body, cipher.getAuthTag()]);
    },
    open(sealed) {
      if (sealed[0] !== FORMAT.ENCRYPT || sealed.length < 1 + IV_BYTES + TAG_BYTES) return undefined;
      const iv = sealed.subarray(1, 1 + IV_BYTES);
      const tag = sealed.subarray(sealed.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', cipherKey, iv).setAAD(aad).setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
      } catch {
        return undefined; // authentication failed: tampered, or sealed under another secret or token
      }
    },
  };
}
