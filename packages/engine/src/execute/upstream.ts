import { Agent, request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { certificateFailure, OpenStackError } from '@k2k/common';
import { outgoingRequest, type OutgoingRules } from './outgoing-request.js';

/** One request to send upstream: where, the client's headers it goes without, and those to set. */
export interface UpstreamRequest extends OutgoingRules {
  /** The full upstream URL (origin, path, query) */
  url: URL;
  /** Who answers, for error messages: 'service provider sp1', 'the local service' */
  where: string;
}

/** The upstream's answer, not yet written to the client: the body is still to be read. */
export interface UpstreamResponse {
  status: number;
  statusMessage?: string;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
}

/** A read's answer, its body whole. */
export interface ReadAnswer {
  status: number;
  body: Buffer;
  headers: IncomingHttpHeaders;
}

/** A probe's answer: its status and, for a 2xx, the body when it was within the limit. */
export interface ProbeAnswer {
  status: number;
  /** A 2xx answer's body, read whole; absent for any other status or when `oversized` */
  body?: Buffer;
  /** A 2xx answer whose body went past the limit: cut off, not read */
  oversized: boolean;
}

/**
 * Kept-alive connections, closed after 4 s idle: before the usual 5 s of the servers' own idle
 * timeout, so a connection is rarely reused just as the server closes it.
 */
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 256, timeout: 4000 };

/** Connection-level failures of the upstream: it could not be reached (502). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ETIMEDOUT']);

/**
 * Step 5: sends requests upstream over kept-alive connections. `send` forwards the client's
 * request (OutgoingRequest: its headers and its body, streamed or re-sent) and resolves with the
 * upstream's answer once its headers arrive; `probe` asks whether a resource is there (a GET, its
 * 2xx body read bounded); `read` fetches a bounded answer whole (a list to merge). An upstream
 * silent for `timeoutMs` (a probe not done within `probeTimeoutMs`) fails with 504, one that
 * cannot be reached or whose certificate fails verification with 502, naming it; a client that
 * goes away takes its upstream request with it. An https upstream's certificate must chain to
 * `ca` when given, else to Node's default CAs.
 */
export class Upstream {
  private readonly agents: { http: Agent; https: HttpsAgent };

  constructor(
    private readonly timeoutMs: number,
    private readonly probeTimeoutMs: number,
    ca?: string[],
  ) {
    this.agents = { http: new Agent(AGENT_OPTIONS), https: new HttpsAgent({ ...AGENT_OPTIONS, ...(ca && { ca }) }) };
  }

  /**
   * Every client request takes this one path, whatever it carries (Expect, a chunked body,
   * pipelining, an Upgrade attempt): what an attempt at an SP sets (its token) or leaves out is
   * built on the outgoing request's own headers, never on the client's, so nothing of it follows
   * the request to the next cloud.
   */
  send(req: IncomingMessage, res: ServerResponse, request: UpstreamRequest): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      const { url, where } = request;
      const { headers, body } = outgoingRequest(req, request);
      let timedOut = false;
      const outgoing = this.request(url, req.method, headers, (response) => {
        resolve({ status: response.statusCode ?? 502, statusMessage: response.statusMessage, headers: response.headers, body: response });
      });
      outgoing.setTimeout(this.timeoutMs, () => {
        timedOut = true;
        outgoing.destroy();
      });
      outgoing.on('error', (error) => reject(upstreamError(error, where, url, timedOut, this.timeoutMs)));
      // A client that goes away mid-upload or mid-download takes the upstream request with it,
      // so the upstream socket is freed rather than left waiting for bytes that never come.
      const abandon = () => {
        if (!outgoing.destroyed && !res.writableFinished) outgoing.destroy();
      };
      req.once('close', () => {
        if (!req.complete) abandon();
      });
      res.once('close', abandon);
      if (body.kind === 'streamed') req.pipe(outgoing);
      else outgoing.end(body.kind === 'whole' ? body.bytes : undefined);
    });
  }

  /**
   * A GET of `url` and its answer: the status, and a 2xx answer's body read whole up to
   * `limitBytes` (a larger one is cut off: `oversized`); any other answer's body is dropped. The
   * whole exchange, body included, is bounded by the probe timeout (504), so a cloud that trickles
   * its answer cannot hold a search past it.
   */
  probe(url: URL, headers: Record<string, string>, where: string, limitBytes: number, retried = false): Promise<ProbeAnswer> {
    return new Promise((resolve, reject) => {
      let timedOut = false;
      const deadline = setTimeout(() => {
        timedOut = true;
        probe.destroy();
        reject(upstreamError(undefined, where, url, true, this.probeTimeoutMs));
      }, this.probeTimeoutMs);
      const settle = (answer: ProbeAnswer) => {
        clearTimeout(deadline);
        resolve(answer);
      };
      const probe = this.request(url, 'GET', headers, (response) => {
        const status = response.statusCode ?? 502;
        if (status < 200 || status >= 300) {
          response.resume();
          return settle({ status, oversized: false });
        }
        readWhole(
          response,
          limitBytes,
          (body) => settle({ status, body, oversized: false }),
          () => {
            probe.destroy();
            settle({ status, oversized: true });
          },
        );
        response.once('error', (error) => {
          clearTimeout(deadline);
          reject(upstreamError(error, where, url, false, this.probeTimeoutMs));
        });
      });
      probe.once('error', (error) => {
        clearTimeout(deadline);
        // The deadline's own destroy: the probe has failed already, and is not sent again.
        if (timedOut) return;
        if (staleConnection(probe, error) && !retried) return resolve(this.probe(url, headers, where, limitBytes, true));
        reject(upstreamError(error, where, url, false, this.probeTimeoutMs));
      });
      probe.end();
    });
  }

  /** A GET whose body is read whole, at most `limitBytes`: a larger answer fails with 502. */
  read(url: URL, headers: Record<string, string>, where: string, limitBytes: number, retried = false): Promise<ReadAnswer> {
    return new Promise((resolve, reject) => {
      let timedOut = false;
      const request = this.request(url, 'GET', headers, (response) => {
        readWhole(
          response,
          limitBytes,
          (body) => resolve({ status: response.statusCode ?? 502, body, headers: response.headers }),
          () => {
            request.destroy();
            reject(new OpenStackError(502, `The answer of ${where} is larger than ${limitBytes} bytes.`));
          },
        );
        response.once('error', (error) => reject(upstreamError(error, where, url, timedOut, this.timeoutMs)));
      });
      request.setTimeout(this.timeoutMs, () => {
        timedOut = true;
        request.destroy();
      });
      request.once('error', (error) => {
        if (!timedOut && staleConnection(request, error) && !retried) return resolve(this.read(url, headers, where, limitBytes, true));
        reject(upstreamError(error, where, url, timedOut, this.timeoutMs));
      });
      request.end();
    });
  }

  /** A request on the kept-alive agent of the URL's protocol. */
  private request(url: URL, method: string | undefined, headers: OutgoingHttpHeaders, onResponse: (response: IncomingMessage) => void): ClientRequest {
    if (url.protocol === 'https:') return httpsRequest(url, { method, headers, agent: this.agents.https }, onResponse);
    return httpRequest(url, { method, headers, agent: this.agents.http }, onResponse);
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

/** Reads a body whole: `done` with it, or `tooLarge` once it goes past `limitBytes` (the rest is not kept). */
function readWhole(body: IncomingMessage, limitBytes: number, done: (bytes: Buffer) => void, tooLarge: () => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size <= limitBytes) return void chunks.push(chunk);
    body.off('data', onData);
    tooLarge();
  };
  body.on('data', onData).once('end', () => {
    if (size <= limitBytes) done(Buffer.concat(chunks, size));
  });
}

/**
 * A kept-alive connection the upstream closed just as it was reused: the request never reached it,
 * so a GET is sent again once, on a new connection.
 */
function staleConnection(request: ClientRequest, error: unknown): boolean {
  return request.reusedSocket && (error as { code?: string }).code === 'ECONNRESET';
}

function upstreamError(error: unknown, where: string, url: URL, timedOut: boolean, timeoutMs: number): OpenStackError {
  const code = (error as { code?: string } | undefined)?.code;
  if (timedOut) return new OpenStackError(504, `The service at ${where} did not answer within ${timeoutMs} ms.`);
  if (code && UNREACHABLE.has(code)) return new OpenStackError(502, `Could not reach the service at ${where} (${code}).`, { cause: error });
  const certificate = certificateFailure(error);
  if (certificate) return new OpenStackError(502, `The service at ${where} (${url.host}) failed TLS certificate verification: ${certificate}.`, { cause: error });
  return new OpenStackError(502, `Forwarding to ${where} failed.`, { cause: error });
}
