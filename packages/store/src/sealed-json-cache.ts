import type { Store } from './store.js';

/** Hits and misses a cache facade has counted since it was created. */
export interface CacheCounts {
  hits: number;
  misses: number;
}

/**
 * JSON values cached on behalf of a subject (a token, or a composite of one), sealed with the
 * store's codec under a key derived from the subject. The building block of the typed facades;
 * keystone-auth uses it directly for token validation results.
 */
export class SealedJsonCache<T> {
  private readonly counts: CacheCounts = { hits: 0, misses: 0 };

  constructor(
    private readonly store: Store,
    private readonly namespace: string,
  ) {}

  /** The cached value, or undefined when absent, unreadable, or refused by `accept`. */
  async get(subject: string, accept: (value: T) => boolean = () => true): Promise<T | undefined> {
    const slot = this.store.codec.slot(this.namespace, subject);
    const sealed = await this.store.get(slot.key);
    const value = sealed && parse<T>(slot.open(sealed));
    if (value === undefined || !accept(value)) {
      this.counts.misses++;
      return undefined;
    }
    this.counts.hits++;
    return value;
  }

  async set(subject: string, value: T, ttlSeconds: number): Promise<boolean> {
    const slot = this.store.codec.slot(this.namespace, subject);
    return this.store.set(slot.key, slot.seal(Buffer.from(JSON.stringify(value))), ttlSeconds);
  }

  async delete(subject: string): Promise<boolean> {
    return this.store.delete(this.store.codec.slot(this.namespace, subject).key);
  }

  stats(): CacheCounts {
    return { ...this.counts };
  }
}

function parse<T>(plain: Buffer | undefined): T | undefined {
  if (!plain) return undefined;
  try {
    return JSON.parse(plain.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}
