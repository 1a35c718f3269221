import type { Federation } from '../src/index.js';

/** A token of alice scoped to `project` at `cloud` (the IdP by default), minted by the simulator. */
export function aliceToken(federation: Federation, project = 'demo'): string {
  return federation.idp.issueToken('alice', project);
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json(): unknown;
}

/** fetch that reads the whole body and never follows redirects. */
export async function http(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}
