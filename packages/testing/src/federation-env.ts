import { readFileSync } from 'node:fs';

/**
 * What a test needs to know about a K2K federation (one IdP, one service provider under test),
 * whether it is this package's simulator or real Keystone servers brought up by
 * test/keystone/up.sh. Contract tests take this and nothing else, so they run unchanged
 * against both.
 */
export interface FederationEnv {
  /** The IdP's Keystone v3 URL, e.g. http://127.0.0.1:5000/v3 */
  idpAuthUrl: string;
  /** The SP's Keystone v3 URL */
  spAuthUrl: string;
  /** The service provider's id as registered at the IdP */
  spId: string;
  /** The SP's ECP consumer (the IdP's `sp_url` for it) */
  spUrl: string;
  /** The SP's federation auth URL (the IdP's `auth_url` for it) */
  spFederationAuthUrl: string;
  adminUser: string;
  adminPassword: string;
  /** A service user at the IdP (in project serviceProject of Default) that validates tokens */
  serviceUser: string;
  servicePassword: string;
  serviceProject: string;
  /** The end user at the IdP, member of idpProject */
  user: string;
  userPassword: string;
  userDomain: string;
  idpProject: string;
  idpProjectId: string;
  /** Projects at the SP the federated user reaches (spProject, spProject2) and one it does not */
  spProject: string;
  spProjectId: string;
  spProject2: string;
  spProject2Id: string;
  spLockedProject: string;
  spLockedProjectId: string;
  /** Catalog URLs (public interface; internal = public port + 1), volume with %(project_id)s */
  idpVolumeEndpoint: string;
  spVolumeEndpoint: string;
  idpImageEndpoint: string;
  spImageEndpoint: string;
  /** Keystone region id of every endpoint */
  region: string;
}

const KEYS: Record<keyof FederationEnv, string> = {
  idpAuthUrl: 'IDP_AUTH_URL',
  spAuthUrl: 'SP_AUTH_URL',
  spId: 'SP_ID',
  spUrl: 'SP_URL',
  spFederationAuthUrl: 'SP_FEDERATION_AUTH_URL',
  adminUser: 'ADMIN_USER',
  adminPassword: 'ADMIN_PASSWORD',
  serviceUser: 'SERVICE_USER',
  servicePassword: 'SERVICE_PASSWORD',
  serviceProject: 'SERVICE_PROJECT',
  user: 'USER',
  userPassword: 'USER_PASSWORD',
  userDomain: 'USER_DOMAIN',
  idpProject: 'IDP_PROJECT',
  idpProjectId: 'IDP_PROJECT_ID',
  spProject: 'SP_PROJECT',
  spProjectId: 'SP_PROJECT_ID',
  spProject2: 'SP_PROJECT2',
  spProject2Id: 'SP_PROJECT2_ID',
  spLockedProject: 'SP_LOCKED_PROJECT',
  spLockedProjectId: 'SP_LOCKED_PROJECT_ID',
  idpVolumeEndpoint: 'IDP_VOLUME_ENDPOINT',
  spVolumeEndpoint: 'SP_VOLUME_ENDPOINT',
  idpImageEndpoint: 'IDP_IMAGE_ENDPOINT',
  spImageEndpoint: 'SP_IMAGE_ENDPOINT',
  region: 'REGION',
};

/** Reads a file of `KEY='value'` lines (what test/keystone/up.sh writes) into a map. */
export function readEnvFile(path: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(?:'([^']*)'|(.*))$/.exec(line.trim());
    if (match) vars.set(match[1], match[2] ?? match[3] ?? '');
  }
  return vars;
}

/** Reads the federation facts from the env file test/keystone/up.sh writes. */
export function readFederationEnvFile(path: string): FederationEnv {
  const vars = readEnvFile(path);
  const env = {} as FederationEnv;
  for (const [field, name] of Object.entries(KEYS) as [keyof FederationEnv, string][]) {
    const value = vars.get(name);
    if (value === undefined) throw new Error(`${path}: ${name} is missing`);
    env[field] = value;
  }
  return env;
}

/** The same facts as the env file's KEY=value lines (what up.sh writes), e.g. for a demo to print. */
export function formatFederationEnv(env: FederationEnv): string {
  return (Object.entries(KEYS) as [keyof FederationEnv, string][]).map(([field, name]) => `${name}='${env[field]}'`).join('\n') + '\n';
}
