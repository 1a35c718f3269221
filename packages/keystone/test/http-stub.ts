import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeystoneError } from '../src/index.js';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A loopback HTTP server answering with `handler`, recording what it received. */
export interface HttpStub {
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

export async function startStub(handler: (req: SeenRequest, res: ServerResponse) => void): Promise<HttpStub> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(request);
      handler(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A minimal Keystone token body. */
export function tokenBody(extra: Record<string, unknown> = {}): unknown {
  return {
    token: {
      expires_at: '2099-01-01T00:00:00.000000Z',
      issued_at: '2026-01-01T00:00:00.000000Z',
      methods: ['password'],
      audit_ids: ['a1'],
      user: { id: 'u1', name: 'alice', domain: { id: 'default', name: 'Default' } },
      ...extra,
    },
  };
}

/** The KeystoneError a call fails with (the test fails if it succeeds or fails otherwise). */
export async function failure(promise: Promise<unknown>): Promise<KeystoneError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(KeystoneError);
    return error as KeystoneError;
  }
  throw new Error('the call succeeded');
}
