import { requireInteger, withDefault } from '@k2k/common';
import { LocalCopies } from './local-copies.js';
import type { AddResult, Store } from '@k2k/common';

/** Hits and misses a cache facade has counted since it was created. */
export interface CacheCounts {
  hits: number;
  misses: number;
}

export interface SealedJsonCacheOptions {
  /**
   * Also keep decoded values in this process for up to this many seconds (never longer than the
   * shared entry): warm reads skip the store, the decryption and the parse, at the cost of seeing
   * a change made by another process up to this late. 0 (default): off.
   */
  localTtlSeconds?: number;
  /** How many values this process keeps. Default 10000 */
  localCapacity?: number;
}

/** Which values may be kept in this process (the others are always read from the store). */
export type KeepLocally<T> = (value: T) => boolean;

/**
 * JSON values cached on behalf of a subject (a token, or a composite of one), sealed with the
 * store's codec under a key derived from the subject. The building block of the typed facades;
 * keystone-auth uses it directly for token validation results.
 */
export class SealedJsonCache<T> {
  private readonly counts: CacheCounts = { hits: 0, misses: 0 };
  private readonly local: LocalCopies<T> | undefined;

  constructor(
    private readonly store: Store,
    private readonly namespace: string,
    options: SealedJsonCacheOptions = {},
    private readonly keepLocally: KeepLocally<T> = () => true,
  ) {
    const ttlSeconds = requireInteger(withDefault(options.localTtlSeconds, 0), 'localTtlSeconds', 0);
    const capacity = requireInteger(withDefault(options.localCapacity, 10_000), 'localCapacity', 1);
    this.local = ttlSeconds > 0 ? new LocalCopies<T>(capacity, ttlSeconds * 1000) : undefined;
  }

  /** The cached value, or undefined when absent, unreadable, or refused by `accept`. */
  async get(subject: string, accept: (value: T) => boolean = () => true): Promise<T | undefined> {
    const held = this.getHeld(subject, accept);
    if (held !== undefined) return held;
    const slot = this.store.codec.slot(this.namespace, subject);
    const sealed = await this.store.get(slot.key);
    const value = sealed && parse<T>(slot.open(sealed));
    if (value === undefined || !accept(value)) {
      this.counts.misses++;
      return undefined;
    }
    this.counts.hits++;
    if (this.keepLocally(value)) this.local?.set(subject, value);
    return value;
  }

  /**
   * This process's copy of the value when `accept` takes it, counted as a hit, without a promise
   * (a warm request's path); undefined, uncounted, otherwise: then `get` asks the store.
   */
  getHeld(subject: string, accept: (value: T) => boolean = () => true): T | undefined {
    const copy = this.local?.get(subject);
    if (copy === undefined || !accept(copy)) return undefined;
    this.counts.hits++;
    return copy;
  }

  /** This process's copy of the value (no store call, no counting); undefined when there is none or local copies are off. */
  peek(subject: string): T | undefined {
    return this.local?.get(subject);
  }

  async set(subject: string, value: T, ttlSeconds: number): Promise<boolean> {
    if (this.keepLocally(value)) this.local?.set(subject, structuredClone(value), ttlSeconds * 1000);
    else this.local?.delete(subject);
    const slot = this.store.codec.slot(this.namespace, subject);
    return this.store.set(slot.key, slot.seal(Buffer.from(JSON.stringify(value))), ttlSeconds);
  }

  /** Stores the value only when the store holds none for the subject (memcached's `add`: one round trip, atomic). */
  async add(subject: string, value: T, ttlSeconds: number): Promise<AddResult> {
    const slot = this.store.codec.slot(this.namespace, subject);
    const added = await this.store.add(slot.key, slot.seal(Buffer.from(JSON.stringify(value))), ttlSeconds);
    if (added === 'added' && this.keepLocally(value)) this.local?.set(subject, structuredClone(value), ttlSeconds * 1000);
    return added;
  }

  async delete(subject: string): Promise<boolean> {
    this.local?.delete(subject);
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
