import Memcached from 'memcached';
import { withDeadline, type DeadlineOutcome } from './deadline.js';
import { Gate } from './gate.js';
import { HashRing } from './hash-ring.js';
import type { AddResult, StoreBackend, StoreValue } from '@k2k/common';

/** Settings of the memcached backend (validated by parseStoreOptions). */
export interface MemcachedSettings {
  servers: string[];
  timeoutMs: number;
  deadServerRetryMs: number;
  poolSize: number;
  idleMs: number;
}

/** Called for each operation that failed, timed out or found no live server, so the store can count it. */
export type FailureListener = (reason: 'timeout' | 'error' | 'no-live-server', server?: string) => void;

/** One server of the pool: its client while it is believed alive, else the time to try again. */
interface ServerSlot {
  client: Memcached | undefined;
  deadUntil: number;
  /** Timeouts in a row; a success resets it */
  timeouts: number;
  /** At most poolSize commands at once go to the client */
  gate: Gate;
}

/**
 * A refused or broken connection marks a server dead at once; timeouts only when they come in a
 * row, since one slow answer under load says little about the server (and a dead mark sends every
 * key of the server elsewhere, or to a miss, for deadServerRetryMs).
 */
const TIMEOUTS_BEFORE_DEAD = 3;

/**
 * A pool of memcached servers behind consistent hashing, built for a cache that must never slow a
 * request down: each operation has our own deadline; a server that fails (or times out repeatedly)
 * is skipped (its keys fail over to the next server on the ring) until `deadServerRetryMs` has
 * passed, then tried again with a fresh client. Any failure is a miss or a failed write, never an
 * exception.
 *
 * Values go over the wire as base64 text: the client's binary flag writes bytes through a UTF-8
 * socket and corrupts them.
 */
export class MemcachedStore implements StoreBackend {
  private readonly ring: HashRing;
  private readonly slots = new Map<string, ServerSlot>();

  constructor(
    private readonly settings: MemcachedSettings,
    private readonly onFailure: FailureListener = () => {},
  ) {
    this.ring = new HashRing(settings.servers);
    for (const server of settings.servers) this.slots.set(server, { client: undefined, deadUntil: 0, timeouts: 0, gate: new Gate(settings.poolSize) });
  }

  async get(key: string): Promise<Buffer | undefined> {
    const outcome = await this.call<unknown>(key, (client, done) => client.get(key, done));
    return outcome.ok && typeof outcome.value === 'string' ? Buffer.from(outcome.value, 'base64') : undefined;
  }

  async set(key: string, value: StoreValue, ttlSeconds: number): Promise<boolean> {
    const outcome = await this.call<boolean>(key, (client, done) => client.set(key, encode(value), ttlSeconds, done));
    return outcome.ok;
  }

  async add(key: string, value: StoreValue, ttlSeconds: number): Promise<AddResult> {
    const outcome = await this.call<boolean>(key, (client, done) =>
      client.add(key, encode(value), ttlSeconds, (error: Error & { notStored?: boolean }, result) =>
        // NOT_STORED is memcached's answer for a key that exists, not a failure of the server.
        error?.notStored ? done(undefined, false) : done(error, result),
      ),
    );
    if (!outcome.ok) return 'unavailable';
    return outcome.value ? 'added' : 'exists';
  }

  async delete(key: string): Promise<boolean> {
    const outcome = await this.call<boolean>(key, (client, done) => client.del(key, done));
    return outcome.ok && outcome.value === true;
  }

  async close(): Promise<void> {
    for (const slot of this.slots.values()) {
      slot.client?.end();
      slot.client = undefined;
    }
  }

  private async call<T>(key: string, operation: (client: Memcached, done: (error: Error | undefined, value: T) => void) => void): Promise<DeadlineOutcome<T>> {
    const now = Date.now();
    const server = this.ring.locate(key, (candidate) => this.slot(candidate).deadUntil > now);
    if (!server) {
      this.onFailure('no-live-server');
      return { ok: false, reason: 'error' };
    }
    const slot = this.slot(server);
    let timedOut = false;
    const outcome = await withDeadline<T>((done) => {
      void slot.gate.enter().then((leave) => {
        if (timedOut) return leave(); // waited past the deadline: the caller has its miss already
        operation(this.clientFor(server), (error, value) => {
          leave();
          done(error, value);
        });
      });
    }, this.settings.timeoutMs);
    timedOut = !outcome.ok && outcome.reason === 'timeout';
    if (outcome.ok) slot.timeouts = 0;
    else {
      this.onFailure(outcome.reason, server);
      if (outcome.reason === 'error' || ++slot.timeouts >= TIMEOUTS_BEFORE_DEAD) this.markDead(server);
    }
    return outcome;
  }

  private slot(server: string): ServerSlot {
    return this.slots.get(server) as ServerSlot;
  }

  private clientFor(server: string): Memcached {
    const slot = this.slot(server);
    slot.client ??= new Memcached(server, this.clientOptions());
    return slot.client;
  }

  private clientOptions(): Memcached.options & { failuresTimeout: number } {
    return {
      // No retries and a short connect timeout: a refused connection errors at once instead of
      // after the client's default back-off (~90 s).
      retries: 0,
      timeout: this.settings.timeoutMs,
      poolSize: this.settings.poolSize,
      idle: this.settings.idleMs,
      // We track health ourselves and replace the client of a failed server. With `remove` the
      // client's own issue log never reaches its reconnect path, which spawns `ping`.
      failures: 1,
      remove: true,
      retry: this.settings.deadServerRetryMs,
      failuresTimeout: this.settings.deadServerRetryMs,
      keyCompression: false,
    };
  }

  private markDead(server: string): void {
    const slot = this.slot(server);
    slot.deadUntil = Date.now() + this.settings.deadServerRetryMs;
    slot.timeouts = 0;
    slot.client?.end();
    slot.client = undefined;
    // Commands that never answered hold places in the old gate; the fresh client gets a fresh one.
    slot.gate = new Gate(this.settings.poolSize);
  }
}

function encode(value: StoreValue): string {
  return (typeof value === 'string' ? Buffer.from(value) : value).toString('base64');
}
