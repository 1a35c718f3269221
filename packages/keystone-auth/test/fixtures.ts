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
