import type { FederationEnv } from '../federation-env.js';

/** One call of the probe and what came back, with tokens replaced by "<token>". */
export interface ProbedExchange {
  name: string;
  method: string;
  /** The URL path, relative to the Keystone it went to */
  path: string;
  status: number;
  /** The headers that matter to clients; token values replaced, cookie values dropped */
  headers: Record<string, string>;
  /** JSON bodies as they came; other bodies as their kind: "xml: <root element>", "html" */
  body: unknown;
}

const HEADERS = ['content-type', 'x-subject-token', 'www-authenticate', 'location', 'set-cookie', 'x-sp-url', 'x-auth-url'];

/**
 * Walks every call k2k makes to Keystone, the good paths and the refusals, against a federation
 * described by `env` (the simulator or real Keystone), at the wire level (plain fetch, no k2k
 * client). test/keystone/capture-fixtures.ts records it against real Keystone; the simulator's
 * tests compare their own answers with that record.
 */
export async function probeKeystone(env: FederationEnv): Promise<ProbedExchange[]> {
  const exchanges: ProbedExchange[] = [];
  const tokens: string[] = [];
  const call = async (name: string, method: string, url: string, init: { headers?: Record<string, string>; body?: string } = {}): Promise<Response & { text: string }> => {
    const response = await fetch(url, { method, headers: init.headers, body: init.body, redirect: 'manual' });
    const text = await response.text();
    const token = response.headers.get('x-subject-token');
    if (token) tokens.push(token);
    exchanges.push({ name, method, path: new URL(url).pathname, status: response.status, headers: pickHeaders(response.headers, tokens), body: describeBody(response.headers.get('content-type'), text, tokens) });
    return Object.assign(response, { text });
  };
  const json = { 'content-type': 'application/json' };
  const passwordAuth = (user: string, password: string, scope?: unknown) =>
    JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: user, domain: { name: env.userDomain }, password } } }, ...(scope ? { scope } : {}) } });
  const tokenAuth = (token: string, scope?: unknown) => JSON.stringify({ auth: { identity: { methods: ['token'], token: { id: token } }, ...(scope ? { scope } : {}) } });
  const subject = (response: Response) => response.headers.get('x-subject-token') ?? '';
  const idp = env.idpAuthUrl;
  const demo = { project: { name: env.idpProject, domain: { name: 'Default' } } };

  await call('version', 'GET', idp);
  const user = subject(await call('password.project', 'POST', `${idp}/auth/tokens`, { headers: json, body: passwordAuth(env.user, env.userPassword, demo) }));
  const unscoped = subject(await call('password.unscoped', 'POST', `${idp}/auth/tokens`, { headers: json, body: passwordAuth(env.user, env.userPassword) }));
  await call('password.wrong', 'POST', `${idp}/auth/tokens`, { headers: json, body: passwordAuth(env.user, 'wrong-password') });
  const service = subject(
    await call('password.service', 'POST', `${idp}/auth/tokens`, {
      headers: json,
      body: passwordAuth(env.serviceUser, env.servicePassword, { project: { name: env.serviceProject, domain: { name: 'Default' } } }),
    }),
  );
  await call('validate', 'GET', `${idp}/auth/tokens`, { headers: { 'x-auth-token': service, 'x-subject-token': user } });
  await call('validate.nocatalog', 'GET', `${idp}/auth/tokens?nocatalog`, { headers: { 'x-auth-token': service, 'x-subject-token': user } });
  await call('validate.bogus', 'GET', `${idp}/auth/tokens`, { headers: { 'x-auth-token': service, 'x-subject-token': 'gAAAAABbogus' } });
  await call('validate.bad-caller', 'GET', `${idp}/auth/tokens`, { headers: { 'x-auth-token': 'gAAAAABbogus', 'x-subject-token': user } });
  await call('validate.forbidden', 'GET', `${idp}/auth/tokens`, { headers: { 'x-auth-token': user, 'x-subject-token': service } });
  await call('idp.projects', 'GET', `${idp}/auth/projects`, { headers: { 'x-auth-token': user } });
  const ecp = `${idp}/auth/OS-FEDERATION/saml2/ecp`;
  const spScope = { service_provider: { id: env.spId } };
  await call('ecp.bogus-token', 'POST', ecp, { headers: json, body: tokenAuth('gAAAAABbogus', spScope) });
  await call('ecp.unknown-sp', 'POST', ecp, { headers: json, body: tokenAuth(user, { service_provider: { id: 'nope' } }) });
  await call('ecp.unscoped', 'POST', ecp, { headers: json, body: tokenAuth(unscoped, spScope) });
  const envelope = (await call('ecp', 'POST', ecp, { headers: json, body: tokenAuth(user, spScope) })).text;
  const paos = { 'content-type': 'application/vnd.paos+xml' };
  await call('sp.consumer.garbage', 'POST', env.spUrl, { headers: paos, body: 'garbage' });
  const consumed = await call('sp.consumer', 'POST', env.spUrl, { headers: paos, body: envelope });
  await call('sp.auth.no-cookie', 'GET', env.spFederationAuthUrl);
  const cookie = consumed.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
  const federated = subject(await call('sp.auth', 'GET', env.spFederationAuthUrl, { headers: { cookie } }));
  await call('sp.projects', 'GET', `${env.spAuthUrl}/auth/projects`, { headers: { 'x-auth-token': federated } });
  await call('sp.scope', 'POST', `${env.spAuthUrl}/auth/tokens`, { headers: json, body: tokenAuth(federated, { project: { name: env.spProject, domain: { name: 'Default' } } }) });
  await call('sp.scope.locked', 'POST', `${env.spAuthUrl}/auth/tokens`, { headers: json, body: tokenAuth(federated, { project: { name: env.spLockedProject, domain: { name: 'Default' } } }) });
  return exchanges;
}

function redact(text: string, tokens: string[]): string {
  return tokens.reduce((result, token) => result.split(token).join('<token>'), text);
}

function pickHeaders(headers: Headers, tokens: string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of HEADERS) {
    const value = headers.get(name);
    if (value === null) continue;
    if (name === 'set-cookie') picked[name] = headers.getSetCookie().map((line) => line.split('=')[0]).join(', ');
    else picked[name] = redact(value, tokens);
  }
  return picked;
}

function describeBody(contentType: string | null, text: string, tokens: string[]): unknown {
  if (text === '') return '';
  if (contentType?.includes('json')) {
    try {
      return JSON.parse(redact(text, tokens));
    } catch {
      return 'malformed json';
    }
  }
  if (contentType?.includes('text/xml')) return `xml: ${/<([\w:]+)/.exec(text)?.[1] ?? '?'}`;
  return 'html';
}
