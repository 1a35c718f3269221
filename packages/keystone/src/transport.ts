import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { certificateFailure } from '@k2k/common';
import { malformed, refused, timedOut, unreachable, untrusted } from './keystone-errors.js';

/** An HTTP answer, its body read whole (Keystone answers are small). */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface HttpCall {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Statuses that are answers, not errors; any other status throws a KeystoneError. Default: 2xx. */
  accept?: (status: number) => boolean;
  /** Values that must never appear in an error message (tokens sent in this call). */
  secrets?: string[];
}

export interface TransportSettings {
  timeoutMs: number;
  retries: number;
  userAgent: string;
  connections: number;
  /** The CAs https Keystones must chain to; absent: Node's default CAs */
  ca?: string[];
}

/** Errors that mean no answer was received: the only ones worth another try. */
const CONNECTION_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED']);

/**
 * HTTP to Keystone over kept-alive connections (one undici Agent per client family), with a
 * timeout per call and bounded retries on connection failures only: an HTTP answer, even a 5xx,
 * is never retried. Every failure becomes a KeystoneError, with the call's tokens scrubbed.
 */
export class Transport {
  private readonly agent: Agent;

  constructor(private readonly settings: TransportSettings) {
    this.agent = new Agent({ connections: settings.connections, keepAliveTimeout: 30_000, ...(settings.ca && { connect: { ca: settings.ca } }) });
  }

  async call(call: HttpCall): Promise<HttpAnswer> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(call);
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === undefined || !CONNECTION_FAILURES.has(code) || attempt >= this.settings.retries) throw this.wrap(error, call);
        await sleep(50 * 2 ** attempt);
      }
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private async once(call: HttpCall): Promise<HttpAnswer> {
    const signal = AbortSignal.timeout(this.settings.timeoutMs);
    const response = await request(call.url, {
      method: call.method,
      headers: { 'user-agent': this.settings.userAgent, accept: 'application/json', ...call.headers },
      body: call.body,
      dispatcher: this.agent,
      signal,
    });
    const body = await response.body.text();
    const answer = { status: response.statusCode, headers: response.headers, body };
    if (!(call.accept ?? isSuccess)(answer.status)) throw refused(answer.status, scrub(errorMessage(answer), call.secrets), call.url);
    return answer;
  }

  private wrap(error: unknown, call: HttpCall): Error {
    if ((error as { name?: string }).name === 'KeystoneError') return error as Error;
    if ((error as { name?: string }).name === 'TimeoutError') return timedOut(call.url, this.settings.timeoutMs);
    const code = (error as { code?: string }).code;
    if (code && CONNECTION_FAILURES.has(code)) return unreachable(call.url, error);
    const certificate = certificateFailure(error);
    if (certificate) return untrusted(call.url, certificate, error);
    return malformed(call.url, scrub((error as Error).message ?? String(error), call.secrets));
  }
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/** Keystone's own message from its error JSON, else the HTTP status line. */
function errorMessage(answer: HttpAnswer): string {
  try {
    const parsed = JSON.parse(answer.body) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
  } catch {
    // not JSON: shibd and proxies answer HTML
  }
  return `HTTP ${answer.status} without a Keystone error body`;
}

function scrub(message: string, secrets: string[] = []): string {
  return secrets.reduce((text, secret) => (secret ? text.split(secret).join('<redacted>') : text), message);
}

/** The single value of a response header (undici gives arrays for repeated headers). */
export function headerValue(answer: HttpAnswer, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Parses a JSON answer body, or throws a malformed-answer KeystoneError naming what was expected. */
export function parseJson<T>(answer: HttpAnswer, url: string, what: string): T {
  try {
    return JSON.parse(answer.body) as T;
  } catch {
    throw malformed(url, `${what} is not JSON`);
  }
}
