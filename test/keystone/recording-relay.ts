import { createHash } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the relay saw of one request. Never the token itself: its SHA-256, and what `checkToken` said of it. */
export interface RelayedRequest<Check> {
  method: string;
  path: string;
  /** The request's header names, lower case (whether `SERVICE-PROVIDER`, `X-Service-Token`, `Expect` came) */
  headerNames: string[];
  /** SHA-256 (hex) of `X-Auth-Token`; undefined when none came */
  tokenSha256?: string;
  /** What `checkToken` answered for that token, asked while the request passed (before it was relayed) */
  tokenCheck?: Check;
  /** Body bytes received (after any chunked decoding) */
  bodyBytes: number;
  /** The upstream's status; 0 while unanswered or when the upstream could not be reached */
  status: number;
}

/** Headers of one hop only: never relayed. The relay itself answers `Expect: 100-continue` (Node's server does). */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'expect', 'proxy-connection', 'upgrade']);

const relayable = (headers: IncomingHttpHeaders): IncomingHttpHeaders =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_HEADERS.has(name)));

const single = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(', ') : value);

/**
 * A recording HTTP relay on 127.0.0.1 in front of a real service: every request is recorded
 * (method, path, header names, a hash of its token and what `checkToken` says of the token,
 * body size, status) and then relayed as it came (Host included; hop-by-hop headers not), its
 * answer streamed back. A catalog endpoint pointing at it shows what a k2k gateway really sends that service.
 */
export class RecordingRelay<Check> {
  readonly requests: RelayedRequest<Check>[] = [];
  private readonly server = createServer((incoming, outgoing) => void this.relay(incoming, outgoing));

  private constructor(
    private readonly target: URL,
    private readonly checkToken: (token: string) => Promise<Check>,
  ) {}

  /** Where to point a catalog endpoint: the relay's origin with the target's path */
  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}${this.target.pathname.replace(/\/$/, '')}`;
  }

  static async start<Check>(target: string, checkToken: (token: string) => Promise<Check>): Promise<RecordingRelay<Check>> {
    const relay = new RecordingRelay(new URL(target), checkToken);
    await new Promise<void>((resolve, reject) => relay.server.once('error', reject).listen(0, '127.0.0.1', resolve));
    return relay;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async relay(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const token = single(incoming.headers['x-auth-token']);
    const record: RelayedRequest<Check> = {
      method: incoming.method ?? '',
      path: incoming.url ?? '',
      headerNames: Object.keys(incoming.headers),
      tokenSha256: token === undefined ? undefined : createHash('sha256').update(token).digest('hex'),
      bodyBytes: 0,
      status: 0,
    };
    this.requests.push(record);
    // The body waits (paused, the stream's initial mode) until the check is done and the pipe below reads it.
    if (token !== undefined) record.tokenCheck = await this.checkToken(token);

    const upstream = request({ host: this.target.hostname, port: this.target.port, method: incoming.method, path: incoming.url, headers: relayable(incoming.headers) });
    upstream.on('response', (answer) => {
      record.status = answer.statusCode ?? 0;
      outgoing.writeHead(answer.statusCode ?? 502, relayable(answer.headers));
      answer.pipe(outgoing);
    });
    // The upstream may close while the body still comes (Glance answers 401 without reading it):
    // the rest of the body is read and dropped (the connection stays usable), an answer already
    // relayed stands, one not yet begun is a 502.
    upstream.on('error', () => {
      incoming.unpipe(upstream);
      incoming.resume();
      if (outgoing.writableEnded) return;
      if (outgoing.headersSent) outgoing.destroy();
      else outgoing.writeHead(502).end();
    });
    incoming.on('aborted', () => upstream.destroy());
    incoming.on('data', (chunk: Buffer) => (record.bodyBytes += chunk.length));
    incoming.pipe(upstream);
  }
}
