import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { caOption, OptionError } from '@k2k/common';
import { parse as parseYaml } from 'yaml';
import type { ServiceCredentials } from './service-credentials.js';

/** Where clouds.yaml is looked for, as openstacksdk does: the current directory, the user's, the system's. */
function cloudsFiles(env: NodeJS.ProcessEnv): string[] {
  return [env.OS_CLIENT_CONFIG_FILE, 'clouds.yaml', join(homedir(), '.config', 'openstack', 'clouds.yaml'), '/etc/openstack/clouds.yaml'].filter((file): file is string => !!file);
}

/** The user an OpenStack environment describes: its Keystone URL and credentials. */
export interface EnvironmentAuth {
  authUrl: string;
  serviceAuth: ServiceCredentials;
  /** The CA bundle's certificates (`OS_CACERT`, or the cloud's `cacert`), when one is named */
  ca?: string[];
}

/**
 * The user of the standard OpenStack environment (keystoneAuth's service user, or k2kClient's
 * Keystone and own user, given no `authUrl`): `OS_CLOUD` names a cloud of clouds.yaml (its `auth` section and
 * `auth_type`), else `OS_AUTH_URL`, `OS_USERNAME`, `OS_PASSWORD`, `OS_PROJECT_NAME` and the domain
 * variables; with `OS_AUTH_TYPE=v3applicationcredential`, `OS_APPLICATION_CREDENTIAL_ID` (or
 * `_NAME` with `OS_USERNAME`) and `OS_APPLICATION_CREDENTIAL_SECRET`. An unversioned auth URL gets
 * `/v3`. `OS_CACERT` (or the cloud's `cacert`) names a CA bundle to trust instead of Node's
 * default CAs. Throws an OptionError naming what is missing, saying what for (`purpose`).
 */
export function authFromEnvironment(env: NodeJS.ProcessEnv = process.env, purpose = 'configure keystoneAuth from the environment (or give authUrl and serviceAuth)'): EnvironmentAuth {
  const cloud = env.OS_CLOUD;
  const source = cloud ? cloudAuth(cloud, env) : fromVariables(env);
  const missing = (name: string) => new OptionError(cloud ? `clouds.yaml clouds.${cloud}.auth.${name}` : `OS_${name.toUpperCase()}`, `is needed to ${purpose}`);
  const take = (name: string): string => {
    const value = source[name];
    if (typeof value !== 'string' || value === '') throw missing(name);
    return value;
  };
  const optional = (name: string) => (typeof source[name] === 'string' && source[name] !== '' ? (source[name] as string) : undefined);
  const authType = optional('auth_type') ?? 'password';
  const cacert = optional('cacert');
  const ca = cacert === undefined ? {} : { ca: caBundle(cacert, cloud ? `clouds.yaml clouds.${cloud}.cacert` : 'OS_CACERT') };
  if (authType === 'v3applicationcredential') {
    const id = optional('application_credential_id');
    return {
      ...ca,
      authUrl: versioned(take('auth_url')),
      serviceAuth: {
        applicationCredentialSecret: take('application_credential_secret'),
        ...(id !== undefined ? { applicationCredentialId: id } : { applicationCredentialName: take('application_credential_name'), username: take('username') }),
        ...(optional('user_domain_name') && { userDomainName: optional('user_domain_name') }),
        ...(optional('user_domain_id') && { userDomainId: optional('user_domain_id') }),
      },
    };
  }
  if (authType !== 'password' && authType !== 'v3password') {
    throw new OptionError(cloud ? `clouds.yaml clouds.${cloud}.auth_type` : 'OS_AUTH_TYPE', `must be password, v3password or v3applicationcredential, got "${authType}"`);
  }
  return {
    ...ca,
    authUrl: versioned(take('auth_url')),
    serviceAuth: {
      username: take('username'),
      password: take('password'),
      projectName: take('project_name'),
      ...(optional('user_domain_name') && { userDomainName: optional('user_domain_name') }),
      ...(optional('user_domain_id') && { userDomainId: optional('user_domain_id') }),
      ...(optional('project_domain_name') && { projectDomainName: optional('project_domain_name') }),
      ...(optional('project_domain_id') && { projectDomainId: optional('project_domain_id') }),
    },
  };
}

const VARIABLES = [
  'auth_type',
  'auth_url',
  'username',
  'password',
  'project_name',
  'user_domain_name',
  'user_domain_id',
  'project_domain_name',
  'project_domain_id',
  'application_credential_id',
  'application_credential_name',
  'application_credential_secret',
  'cacert',
];

function fromVariables(env: NodeJS.ProcessEnv): Record<string, unknown> {
  return Object.fromEntries(VARIABLES.map((name) => [name, env[`OS_${name.toUpperCase()}`]]));
}

function cloudAuth(cloud: string, env: NodeJS.ProcessEnv): Record<string, unknown> {
  for (const file of cloudsFiles(env)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const parsed = parseYaml(text) as { clouds?: Record<string, { auth?: Record<string, unknown>; auth_type?: unknown; cacert?: unknown }> } | null;
    const entry = parsed?.clouds?.[cloud];
    if (!entry?.auth) throw new OptionError('OS_CLOUD', `${file} has no cloud "${cloud}" with an auth section`);
    // auth_type and cacert sit beside auth in clouds.yaml.
    return { ...entry.auth, auth_type: entry.auth_type, cacert: entry.cacert };
  }
  throw new OptionError('OS_CLOUD', `names cloud "${cloud}", but no clouds.yaml was found (${cloudsFiles(env).join(', ')})`);
}

function versioned(authUrl: string): string {
  const trimmed = authUrl.replace(/\/+$/, '');
  return /\/v3$/.test(trimmed) ? trimmed : `${trimmed}/v3`;
}

/** The certificates of the CA bundle at `file`, named `where` in errors. */
function caBundle(file: string, where: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new OptionError(where, `cannot read ${file}: ${(error as Error).message}`);
  }
  return caOption(text, where);
}
