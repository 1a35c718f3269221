import { Transform, type TransformCallback } from 'node:stream';
import { rewriteUrl, type LinkMap } from './rewrite-links.js';

/** The longest string (its bytes between the quotes, as sent) held to be read as a URL; a longer one passes as it came. */
export const MAX_LINK_BYTES = 8 * 1024;
/**
 * The most whitespace held after a held string while waiting for what says whether it was a key;
 * past it, the string is taken for a value (no encoder writes a kilobyte of blanks before a colon).
 */
const MAX_GAP_BYTES = 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
/** A held string's start that shows it is a URL, escaped slashes included */
const URL_START = /^https?:(\\?\/){2}/i;

/**
 * Where the scanner is: between tokens (`outside`); just after a string's opening quote
 * (`opened`); inside a string that passes as it is (`passing`); inside a string held because it
 * may be a URL (`holding`); after a held string's closing quote, before the next token tells
 * whether it was a key (`closed`).
 */
type State = 'outside' | 'opened' | 'passing' | 'holding' | 'closed';

/**
 * Step 6 for a JSON body too large to read whole: rewrites, as the body streams through, every
 * string value that is an absolute URL below the upstream's root exactly as `rewriteUrl` does (to
 * this proxy's URL, the remote project segment replaced, query and fragment kept). Bytes outside
 * rewritten strings pass unchanged, so the output is JSON whenever the input is.
 *
 * A scanner of JSON string tokens, safe across chunk boundaries: it tracks whether it is inside a
 * string and after a backslash, holds a string that may be a URL (up to MAX_LINK_BYTES) and reads
 * it as JSON (`http:\/\/host` included), and rewrites it unless the next token is a colon: keys
 * stay as they are (a key naming a URL is no link). Memory stays bounded whatever the body's size:
 * one held string and the whitespace after it. A string longer than MAX_LINK_BYTES passes as it
 * came; `overlong` is told once when such a string starts like a URL.
 */
export class JsonLinkStream extends Transform {
  private state: State = 'outside';
  /** Inside a string, the byte before was an escaping backslash */
  private escaped = false;
  private readonly held = Buffer.allocUnsafe(MAX_LINK_BYTES);
  private heldLength = 0;
  /** Whitespace seen after a held string */
  private gap = '';
  private toldOverlong = false;

  constructor(
    private readonly links: LinkMap,
    private readonly overlong: () => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const out: Buffer[] = [];
    /** Where the bytes that pass as they came start in this chunk */
    let from = 0;
    let i = 0;
    while (i < chunk.length) {
      switch (this.state) {
        case 'outside': {
          const quote = chunk.indexOf(QUOTE, i);
          if (quote === -1) i = chunk.length;
          else {
            this.state = 'opened';
            i = quote + 1;
          }
          break;
        }
        case 'opened':
          if (mayStartUrl(chunk[i])) {
            out.push(chunk.subarray(from, i));
            this.state = 'holding';
            this.heldLength = 0;
          } else {
            this.state = 'passing';
          }
          break; // the same byte, in its string
        case 'passing':
          i = this.toStringEnd(chunk, i);
          break;
        case 'holding': {
          const quote = closingQuote(chunk, i, this.escaped);
          const end = quote === -1 ? chunk.length : quote;
          if (this.heldLength + end - i > MAX_LINK_BYTES) {
            out.push(this.releaseOverlong(chunk.toString('latin1', i, i + 16)));
            from = i;
            this.state = 'passing';
            break; // the same bytes, in a string that passes
          }
          chunk.copy(this.held, this.heldLength, i, end);
          this.heldLength += end - i;
          if (quote === -1) {
            this.escaped = escapedAtEnd(chunk, i, this.escaped);
            i = chunk.length;
          } else {
            this.state = 'closed';
            this.escaped = false;
            this.gap = '';
            i = quote + 1;
          }
          break;
        }
        case 'closed':
          if (isWhitespace(chunk[i]) && this.gap.length < MAX_GAP_BYTES) {
            this.gap += String.fromCharCode(chunk[i]);
            i++;
            break;
          }
          out.push(this.releaseClosed(chunk[i] !== COLON));
          from = i;
          this.state = 'outside';
          break; // the same byte, between tokens
      }
    }
    if (this.state !== 'holding' && this.state !== 'closed') out.push(chunk.subarray(from));
    done(null, Buffer.concat(out));
  }

  override _flush(done: TransformCallback): void {
    // A held string at the end: a body that is one string (a value), or one cut short (as it came).
    if (this.state === 'closed') return done(null, this.releaseClosed(true));
    done(null, this.state === 'holding' ? this.heldBytes() : undefined);
  }

  /** Scans a string that passes as it is, from `i`: the index after its closing quote, or the chunk's end. */
  private toStringEnd(chunk: Buffer, i: number): number {
    const quote = closingQuote(chunk, i, this.escaped);
    if (quote === -1) {
      this.escaped = escapedAtEnd(chunk, i, this.escaped);
      return chunk.length;
    }
    this.state = 'outside';
    this.escaped = false;
    return quote + 1;
  }

  /** The held string with its closing quote and the whitespace after it; rewritten when it is a value. */
  private releaseClosed(isValue: boolean): Buffer {
    const raw = this.heldBytes();
    return Buffer.concat([isValue ? this.rewritten(raw) : raw, Buffer.from(`"${this.gap}`, 'latin1')]);
  }

  /** The start of a string too long to be held, as it came; the rest (`next` are its first bytes) passes as it comes. */
  private releaseOverlong(next: string): Buffer {
    const raw = this.heldBytes();
    if (!this.toldOverlong && URL_START.test(raw.toString('latin1', 0, 16) + next)) {
      this.toldOverlong = true;
      this.overlong();
    }
    // a copy: `held` is reused for the next string of the same chunk
    return Buffer.from(raw);
  }

  private heldBytes(): Buffer {
    return this.held.subarray(0, this.heldLength);
  }

  /** A string token's content (between its quotes) with its URL rewritten, as JSON; as it came when it is no URL to rewrite. */
  private rewritten(raw: Buffer): Buffer {
    let value: unknown;
    try {
      value = JSON.parse(`"${raw.toString('utf8')}"`);
    } catch {
      return raw; // not a valid JSON string: passed on for the client to judge
    }
    if (typeof value !== 'string') return raw;
    const link = rewriteUrl(value, this.links);
    return link === value ? raw : Buffer.from(JSON.stringify(link).slice(1, -1));
  }
}

/** Whether a string starting with this byte may be a URL: 'h' or 'H', or an escape ('\u0068ttp...', which no service writes, but JSON allows) */
function mayStartUrl(byte: number): boolean {
  return byte === 0x68 || byte === 0x48 || byte === BACKSLASH;
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * The index of the quote that closes the string `chunk` is inside of from `from` on, or -1 when it
 * does not close in this chunk; `escaped`: the byte at `from` is escaped. A quote closes the
 * string when an even number of backslashes escapes-in-force stands before it.
 */
function closingQuote(chunk: Buffer, from: number, escaped: boolean): number {
  let start = from;
  let carry = escaped;
  for (;;) {
    const quote = chunk.indexOf(QUOTE, start);
    if (quote === -1) return -1;
    if (!isOdd(backslashesBefore(chunk, quote, start) + (carry && backslashRunFrom(chunk, quote, start) ? 1 : 0))) return quote;
    start = quote + 1;
    carry = false;
  }
}

/** Whether the byte after the chunk is escaped, for a string the chunk is inside of from `from` on. */
function escapedAtEnd(chunk: Buffer, from: number, escaped: boolean): boolean {
  return isOdd(backslashesBefore(chunk, chunk.length, from) + (escaped && backslashRunFrom(chunk, chunk.length, from) ? 1 : 0));
}

/** How many backslashes stand right before `at`, not looking before `from`. */
function backslashesBefore(chunk: Buffer, at: number, from: number): number {
  let i = at;
  while (i > from && chunk[i - 1] === BACKSLASH) i--;
  return at - i;
}

/** Whether every byte from `from` to `at` is a backslash: a carried escape then counts as one more. */
function backslashRunFrom(chunk: Buffer, at: number, from: number): boolean {
  return backslashesBefore(chunk, at, from) === at - from;
}

function isOdd(count: number): boolean {
  return count % 2 === 1;
}
