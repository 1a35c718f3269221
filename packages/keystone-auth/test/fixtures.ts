import express from 'express';
import express4 from 'express4';
import type { Federation } from '@k2k/testing';
import type { KeystoneAuthMiddleware, KeystoneAuthOptions } from '../src/index.js';

/** Options for keystoneAuth against a simulated federation's IdP, with its service user. */
export function authOptions(federation: Federation, extra: Partial<KeystoneAuthOptions> = {}): KeystoneAuthOptions {
  return {
    authUrl: federation.idp.authUrl,
    serviceAuth: { username: 'k2k', password: 'secret', projectName: 'service' },
    ...extra,
  };
}

/** A token the simulated IdP issues over its API for a password and a scope (e.g. `{ system: { all: true } }`). */
export async function passwordToken(federation: Federation, user: string, password: string, scope: object): Promise<string> {
  const response = await fetch(`${federation.idp.authUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } }, scope } }),
  });
  const token = response.headers.get('x-subject-token');
  if (response.status !== 201 || !token) throw new Error(`no token for ${user}: ${response.status}`);
  return token;
}

/** An app (Express 5, or 4) that answers with the headers and identity its handler received. */
export function echoApp(middleware: KeystoneAuthMiddleware, flavour: 'express5' | 'express4' = 'express5'): express.Express {
  const app = (flavour === 'express4' ? express4() : express()) as express.Express;
  app.use(middleware);
  app.use((req, res) => {
    res.json({ headers: req.headers, keystone: req.keystone ?? null });
  });
  return app;
}

/** A logger that keeps every line, to check that no token reaches a log. */
export function recordingLogger(): { lines: string[]; debug: Log; info: Log; warn: Log; error: Log } {
  const lines: string[] = [];
  const log: Log = (fields, message) => lines.push(`${message} ${JSON.stringify(fields)}`);
  return { lines, debug: log, info: log, warn: log, error: log };
}

type Log = (fields: object, message: string) => void;
