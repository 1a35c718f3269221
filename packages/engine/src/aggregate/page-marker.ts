import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { OpenStackError } from '@k2k/common';
import type { Store } from '@k2k/store';

/** Where the next page starts in one cloud. */
export interface CloudCursor {
  /** Every item of this cloud has been listed */
  done?: true;
  /** The last item of this cloud listed so far: its id (the cloud's own marker) and its sort values */
  after?: { id: string; values: unknown[] };
  /** The cloud's own marker cannot be used (the item is not from it, or is gone): read from the start and skip */
  scan?: true;
}

/** The state of a merged list between pages: a cursor per cloud (SP id, or the local cloud's name). */
export type PageState = Record<string, CloudCursor>;

const PREFIX = 'k2k1.';
const MAC_BYTES = 32;

/**
 * The opaque marker of a merged list's next link: each cloud's own cursor, sealed so that a client
 * can neither read nor forge it. It is bound to the list it was made for (the caller's project,
 * the service, the filters and the order: `subject`), so a marker of another list or another
 * project is refused (400). Sealed with the store's codec, which every worker and host sharing the
 * store can open; a store without a secret (in-process memory) seals with a key of this process.
 */
export class PageMarkers {
  private readonly processKey = randomBytes(32);

  constructor(private readonly store: Store) {}

  isOpaque(marker: string): boolean {
    return marker.startsWith(PREFIX);
  }

  seal(state: PageState, subject: string): string {
    return PREFIX + this.sealBytes(Buffer.from(JSON.stringify(state)), subject).toString('base64url');
  }

  open(marker: string, subject: string): PageState {
    const plain = this.openBytes(Buffer.from(marker.slice(PREFIX.length), 'base64url'), subject);
    const state = plain && parse(plain);
    if (!state) throw new OpenStackError(400, 'The marker is not one this proxy made for this list (tampered, or from another list, project or order).');
    return state;
  }

  private sealBytes(plain: Buffer, subject: string): Buffer {
    if (this.store.codec.strategy !== 'NONE') return this.store.codec.slot('list-marker', subject).seal(plain);
    return Buffer.concat([plain, this.mac(plain, subject)]);
  }

  private openBytes(sealed: Buffer, subject: string): Buffer | undefined {
    if (this.store.codec.strategy !== 'NONE') return this.store.codec.slot('list-marker', subject).open(sealed);
    if (sealed.length <= MAC_BYTES) return undefined;
    const plain = sealed.subarray(0, sealed.length - MAC_BYTES);
    return timingSafeEqual(this.mac(plain, subject), sealed.subarray(sealed.length - MAC_BYTES)) ? plain : undefined;
  }

  private mac(plain: Buffer, subject: string): Buffer {
    return createHmac('sha256', this.processKey).update(subject).update('\n').update(plain).digest();
  }
}

function parse(plain: Buffer): PageState | undefined {
  try {
    const state = JSON.parse(plain.toString('utf8')) as unknown;
    return typeof state === 'object' && state !== null && !Array.isArray(state) ? (state as PageState) : undefined;
  } catch {
    return undefined;
  }
}
