import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { readEnvFile, readFederationEnvFile, type FederationEnv } from '@k2k/testing';

/** Where up.sh wrote the env file: $K2K_KEYSTONE_ENV, else /tmp/k2k-keystone/env. */
export const ENV_FILE = process.env.K2K_KEYSTONE_ENV ?? '/tmp/k2k-keystone/env';

function requireEnvFile(): void {
  if (!existsSync(ENV_FILE)) throw new Error(`${ENV_FILE} not found: run test/keystone/up.sh first (npm run test:keystone does)`);
}

/** The real Keystone pair brought up by test/keystone/up.sh; fails clearly when it is not up. */
export function realFederation(): FederationEnv {
  requireEnvFile();
  return readFederationEnvFile(ENV_FILE);
}

/**
 * A token of the real user that has expired: issued by the IdP process that up.sh runs with a
 * short token lifetime (same database and keys), then waited out.
 */
export async function realExpiredToken(): Promise<string> {
  requireEnvFile();
  const vars = readEnvFile(ENV_FILE);
  const env = realFederation();
  const response = await fetch(`${vars.get('IDP_SHORT_TOKEN_AUTH_URL')}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: env.user, domain: { name: env.userDomain }, password: env.userPassword } } },
        scope: { project: { id: env.idpProjectId } },
      },
    }),
  });
  await response.body?.cancel();
  const token = response.headers.get('x-subject-token');
  if (response.status !== 201 || !token) throw new Error(`the short-lived IdP answered ${response.status}`);
  await sleep((Number(vars.get('SHORT_TOKEN_SECONDS')) + 1.5) * 1000);
  return token;
}
