import { malformed } from './keystone-errors.js';
import { parseJson, type HttpCall, type Transport } from './transport.js';

export type Raw = Record<string, unknown>;

/**
 * Calls of Keystone v3's admin API with one token, what CatalogAdmin and ProjectAdmin share:
 * lists, creates and updates of `{member: {...}}` bodies, deletes and bodiless PUTs. Refusals are
 * KeystoneErrors with Keystone's status and message.
 */
export class AdminSession {
  constructor(
    private readonly transport: Transport,
    private readonly authUrl: string,
    private readonly token: string,
  ) {}

  /** GET /v3/<collection><search>: the items of the list. */
  async list(collection: string, search: string): Promise<Raw[]> {
    return (await this.listing(collection, search)).items;
  }

  /** The items, and whether Keystone cut the list at its `list_limit` (it then answers `"truncated": true`). */
  async listing(collection: string, search: string): Promise<{ items: Raw[]; truncated: boolean }> {
    const url = `${this.authUrl}/${collection}${search}`;
    const answer = await this.send('GET', url);
    const body = parseJson<Raw>(answer, url, `the ${collection} list`);
    const items = body[collection];
    if (!Array.isArray(items)) throw malformed(url, `no "${collection}" list`);
    return { items: items as Raw[], truncated: body.truncated === true };
  }

  /** POST or PATCH of `{member: body}` at /v3/<path>: the member Keystone answers. */
  async write(method: 'POST' | 'PATCH', path: string, member: string, body: object): Promise<Raw> {
    const url = `${this.authUrl}/${path}`;
    const answer = await this.send(method, url, JSON.stringify({ [member]: body }));
    const result = parseJson<Raw>(answer, url, `the ${member}`)[member];
    if (typeof result !== 'object' || result === null) throw malformed(url, `no "${member}" object`);
    return result as Raw;
  }

  /** A call without a body to answer with: DELETE, or a PUT that grants. */
  async act(method: 'DELETE' | 'PUT', path: string): Promise<void> {
    await this.send(method, `${this.authUrl}/${path}`);
  }

  private send(method: HttpCall['method'], url: string, body?: string) {
    const headers: Record<string, string> = { 'x-auth-token': this.token, ...(body !== undefined && { 'content-type': 'application/json' }) };
    return this.transport.call({ method, url, headers, ...(body !== undefined && { body }), secrets: [this.token] });
  }
}

/** A query string of the filters given (`?a=1&b=2`), or ''. */
export function query(filters: Record<string, string | undefined>): string {
  const given = Object.entries(filters).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return given.length === 0 ? '' : `?${new URLSearchParams(given).toString()}`;
}

/** A string member, or '' when it is not one. */
export function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
