import { MemcachedStore } from './memcached-store.js';
import { MemoryStore } from './memory-store.js';
import { parseStoreOptions, type ParsedStoreOptions, type StoreOptions } from './options.js';
import { warnIfPlaintext } from './plaintext-warning.js';
import { createSecureCodec } from './secure-codec.js';
import { StoreCounters } from './stats.js';
import type { AddResult, SecureCodec, Store, StoreBackend, StoreStats, StoreValue } from '@k2k/common';
import { TieredStore } from './tiered-store.js';

/** memcached takes a TTL over 30 days as an absolute Unix time; cap relative TTLs below that. */
const MAX_TTL_SECONDS = 30 * 24 * 3600;

/**
 * Creates the store the k2k middlewares share: a backend (memory by default) plus the codec that
 * seals cached token data. Throws an OptionError naming the option for a bad configuration.
 */
export function createStore(options: StoreOptions = {}): Store {
  const parsed = parseStoreOptions(options);
  const counters = new StoreCounters();
  return new CountingStore(parsed.backend, createBackend(parsed, counters), createSecureCodec(parsed.secret, parsed.securityStrategy), counters);
}

function createBackend(options: ParsedStoreOptions, counters: StoreCounters): StoreBackend {
  const countFailure = () => counters.count('errors');
  switch (options.backend) {
    case 'memory':
      return new MemoryStore(options.maxEntries);
    case 'memcached':
      warnIfPlaintext(options);
      return new MemcachedStore(options, countFailure);
    case 'tiered':
      warnIfPlaintext(options);
      return new TieredStore(new MemoryStore(options.l1MaxEntries), new MemcachedStore(options, countFailure), options.l1TtlSeconds);
    case 'custom':
      return options.custom;
  }
}

/** The Store facade: normalises TTLs, counts hits, misses and writes, and carries the codec. */
class CountingStore implements Store {
  constructor(
    readonly kind: string,
    private readonly backend: StoreBackend,
    readonly codec: SecureCodec,
    private readonly counters: StoreCounters,
  ) {}

  async get(key: string): Promise<Buffer | undefined> {
    const value = await this.backend.get(key);
    this.counters.count(value === undefined ? 'misses' : 'hits');
    return value;
  }

  async set(key: string, value: StoreValue, ttlSeconds: number): Promise<boolean> {
    this.counters.count('sets');
    return this.backend.set(key, value, ttl(ttlSeconds));
  }

  add(key: string, value: StoreValue, ttlSeconds: number): Promise<AddResult> {
    return this.backend.add(key, value, ttl(ttlSeconds));
  }

  async delete(key: string): Promise<boolean> {
    this.counters.count('deletes');
    return this.backend.delete(key);
  }

  close(): Promise<void> {
    return this.backend.close();
  }

  stats(): StoreStats {
    return this.counters.snapshot();
  }
}

function ttl(seconds: number): number {
  return Math.min(Math.max(1, Math.ceil(seconds)), MAX_TTL_SECONDS);
}
