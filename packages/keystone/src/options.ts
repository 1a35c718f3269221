import { caOption, OptionError, rejectUnknownKeys, requireInteger, requireObject, requireString, withDefault } from '@k2k/common';
import type { TransportSettings } from './transport.js';

export interface KeystoneClientOptions {
  /** Keystone's v3 URL, e.g. http://127.0.0.1:5000/v3 */
  authUrl: string;
  /** Time allowed for each HTTP call, in ms. Default 10000. */
  timeoutMs?: number;
  /** Extra tries after a connection failure (never after an HTTP answer). Default 2. */
  retries?: number;
  /** Kept-alive connections per Keystone host. Default 32. */
  connections?: number;
  /** User-Agent sent to Keystone. Default "k2k-keystone". */
  userAgent?: string;
  /**
   * The CA certificates (PEM text, or a list of texts) that https Keystones' certificates must
   * chain to, for this client and those `clientFor` makes: instead of Node's default CAs, as Node's
   * tls `ca`. Default: Node's default CAs.
   */
  ca?: string | string[];
}

export interface ParsedClientOptions extends TransportSettings {
  authUrl: string;
}

const KNOWN = ['authUrl', 'timeoutMs', 'retries', 'connections', 'userAgent', 'ca'];

export function parseClientOptions(input: KeystoneClientOptions, where = 'keystone'): ParsedClientOptions {
  const options = requireObject(input, where);
  rejectUnknownKeys(options, KNOWN, where);
  return {
    authUrl: parseAuthUrl(options.authUrl, `${where}.authUrl`),
    timeoutMs: requireInteger(withDefault(options.timeoutMs, 10_000), `${where}.timeoutMs`, 1),
    retries: requireInteger(withDefault(options.retries, 2), `${where}.retries`, 0, 10),
    connections: requireInteger(withDefault(options.connections, 32), `${where}.connections`, 1),
    userAgent: requireString(withDefault(options.userAgent, 'k2k-keystone'), `${where}.userAgent`),
    ...(options.ca !== undefined && { ca: caOption(options.ca, `${where}.ca`) }),
  };
}

/** A Keystone v3 URL, without a trailing slash. */
export function parseAuthUrl(value: unknown, option: string): string {
  const text = requireString(value, option).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new OptionError(option, `must be a URL, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OptionError(option, 'must be an http or https URL');
  if (!url.pathname.endsWith('/v3')) throw new OptionError(option, `must be Keystone's v3 URL ending in /v3, e.g. ${url.origin}/v3`);
  return text;
}
