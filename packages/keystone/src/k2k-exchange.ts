import { malformed } from './keystone-errors.js';
import type { ServiceProvider } from '@k2k/common';
import type { HttpAnswer, Transport } from './transport.js';

const PAOS = 'application/vnd.paos+xml';

/**
 * Hands a SAML2 ECP assertion to a service provider and returns the SP's answer that carries the
 * unscoped token, as keystoneauth1's Keystone2Keystone does: POST the envelope to `sp_url`
 * (no redirect following); on 302/303 the SAML session is open, so GET `auth_url` with the session
 * cookie instead of following `Location` (which is the SP's root).
 */
export async function presentAssertion(transport: Transport, sp: ServiceProvider, assertion: string): Promise<HttpAnswer> {
  const consumed = await transport.call({
    method: 'POST',
    url: sp.spUrl,
    headers: { 'content-type': PAOS },
    body: assertion,
    accept: (status) => status === 302 || status === 303 || (status >= 200 && status < 300),
  });
  if (consumed.status !== 302 && consumed.status !== 303) return consumed;
  const cookies = sessionCookies(consumed);
  if (!cookies) throw malformed(sp.spUrl, 'the ECP consumer redirected without a session cookie');
  return transport.call({ method: 'GET', url: sp.authUrl, headers: { cookie: cookies, 'content-type': PAOS } });
}

/** The `name=value` pairs of every Set-Cookie header, as one Cookie header. */
function sessionCookies(answer: HttpAnswer): string {
  const setCookie = answer.headers['set-cookie'];
  const lines = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  return lines.map((line) => line.split(';')[0].trim()).filter((pair) => pair.includes('=')).join('; ');
}

/** The SP's Keystone v3 URL: its federation auth URL cut before /OS-FEDERATION. */
export function serviceProviderKeystoneUrl(sp: ServiceProvider): string {
  const cut = sp.authUrl.indexOf('/OS-FEDERATION');
  if (cut < 0) throw malformed(sp.authUrl, `service provider ${sp.id} has an auth_url without /OS-FEDERATION`);
  return sp.authUrl.slice(0, cut);
}
