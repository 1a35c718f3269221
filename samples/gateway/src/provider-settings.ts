import { OptionError, rejectUnknownKeys, requireObject, requireOneOf, requireString, withDefault } from '@k2k/common';

/** A Keystone user and the project it logs in to. */
export interface PasswordAuth {
  username: string;
  password: string;
  userDomainName: string;
  projectName: string;
  projectDomainName: string;
}

/** An application credential of a Keystone user, by id, or by name with its user; scoped to its own project. */
export interface ApplicationCredentialAuth {
  applicationCredentialId?: string;
  applicationCredentialName?: string;
  applicationCredentialSecret: string;
  /** With the name: the user it belongs to */
  username?: string;
  userDomainName: string;
}

/** How the gateway logs in to a Keystone: a password and project, or an application credential. */
export type KeystoneLogin = PasswordAuth | ApplicationCredentialAuth;

/** What the gateway does at one service provider beyond forwarding (`service_provider_settings.<sp>`). */
export interface ServiceProviderSettings {
  /** Whose identity the K2K exchange carries: the caller's ('user'), or the gateway's own with a pseudonymous project ('reseller') */
  identity: 'user' | 'reseller';
  /** An admin of the SP's own Keystone: what `k2k-gateway sync` acts there with */
  adminAuth: KeystoneLogin | undefined;
  /** The SP domain sync puts the mirrored projects in (identity user; reseller projects go in reseller.project_domain_name) */
  projectDomainName: string;
  /** A group of the SP granted `role` on every mirrored project (required with identity reseller: the group the SP maps the gateway's service user to) */
  grant: { groupName: string; groupDomainName: string; role: string } | undefined;
}

/** Reseller anonymity (`reseller`): the key of the pseudonyms and where their projects live at the SPs. */
export interface ResellerConfig {
  secret: string;
  projectDomainName: string;
}

const MIN_SECRET_LENGTH = 16;

/**
 * `username`, `password`, `user_domain_name`, `project_name`, `project_domain_name`; or an
 * application credential: `application_credential_id` (or `_name` with `username`,
 * `user_domain_name`) and `application_credential_secret`.
 */
export function parseKeystoneLogin(value: unknown, key: string): KeystoneLogin {
  const auth = requireObject(value, key);
  if (auth.application_credential_secret === undefined) return parsePasswordAuth(auth, key);
  rejectUnknownKeys(auth, ['application_credential_id', 'application_credential_name', 'application_credential_secret', 'username', 'user_domain_name'], key);
  const secret = requireString(auth.application_credential_secret, `${key}.application_credential_secret`);
  const userDomainName = requireString(withDefault(auth.user_domain_name, 'Default'), `${key}.user_domain_name`);
  if (auth.application_credential_id !== undefined) {
    if (auth.application_credential_name !== undefined) throw new OptionError(`${key}.application_credential_name`, 'give application_credential_id or application_credential_name, not both');
    return { applicationCredentialId: requireString(auth.application_credential_id, `${key}.application_credential_id`), applicationCredentialSecret: secret, userDomainName };
  }
  if (auth.application_credential_name === undefined) throw new OptionError(`${key}.application_credential_id`, 'required with application_credential_secret (or application_credential_name with username)');
  return {
    applicationCredentialName: requireString(auth.application_credential_name, `${key}.application_credential_name`),
    username: requireString(auth.username, `${key}.username`),
    applicationCredentialSecret: secret,
    userDomainName,
  };
}

function parsePasswordAuth(auth: Record<string, unknown>, key: string): PasswordAuth {
  rejectUnknownKeys(auth, ['username', 'password', 'user_domain_name', 'project_name', 'project_domain_name'], key);
  return {
    username: requireString(auth.username, `${key}.username`),
    password: requireString(auth.password, `${key}.password`),
    userDomainName: requireString(withDefault(auth.user_domain_name, 'Default'), `${key}.user_domain_name`),
    projectName: requireString(auth.project_name, `${key}.project_name`),
    projectDomainName: requireString(withDefault(auth.project_domain_name, 'Default'), `${key}.project_domain_name`),
  };
}

/** `service_provider_settings`: `{<sp id>: {identity, admin_auth, project_domain_name, grant}}`. */
export function parseServiceProviderSettings(value: unknown, serviceProviders: 'auto' | string[]): Record<string, ServiceProviderSettings> {
  const all = requireObject(withDefault(value, {}), 'service_provider_settings');
  const settings: Record<string, ServiceProviderSettings> = {};
  for (const [sp, item] of Object.entries(all)) {
    const key = `service_provider_settings.${sp}`;
    if (serviceProviders !== 'auto' && !serviceProviders.includes(sp)) throw new OptionError(key, `"${sp}" is not in service_providers (${serviceProviders.join(', ')})`);
    const entry = requireObject(item, key);
    rejectUnknownKeys(entry, ['identity', 'admin_auth', 'project_domain_name', 'grant'], key);
    const identity = requireOneOf(withDefault(entry.identity, 'user'), `${key}.identity`, ['user', 'reseller'] as const);
    if (identity === 'reseller' && entry.project_domain_name !== undefined) {
      throw new OptionError(`${key}.project_domain_name`, 'not with identity: reseller (its projects go in reseller.project_domain_name)');
    }
    const grant = entry.grant === undefined ? undefined : parseGrant(entry.grant, `${key}.grant`);
    if (identity === 'reseller' && !grant) throw new OptionError(`${key}.grant`, 'required with identity: reseller: {group_name, role} of the group the SP maps the gateway\'s service user to');
    settings[sp] = {
      identity,
      adminAuth: entry.admin_auth === undefined ? undefined : parseKeystoneLogin(entry.admin_auth, `${key}.admin_auth`),
      projectDomainName: requireString(withDefault(entry.project_domain_name, 'Default'), `${key}.project_domain_name`),
      grant,
    };
  }
  return settings;
}

function parseGrant(value: unknown, key: string): NonNullable<ServiceProviderSettings['grant']> {
  const grant = requireObject(value, key);
  rejectUnknownKeys(grant, ['group_name', 'group_domain_name', 'role'], key);
  return {
    groupName: requireString(grant.group_name, `${key}.group_name`),
    groupDomainName: requireString(withDefault(grant.group_domain_name, 'Default'), `${key}.group_domain_name`),
    role: requireString(withDefault(grant.role, 'member'), `${key}.role`),
  };
}

/** `reseller`: required when a service provider has identity reseller. */
export function parseReseller(value: unknown, settings: Record<string, ServiceProviderSettings>): ResellerConfig | undefined {
  const resellers = Object.keys(settings).filter((sp) => settings[sp].identity === 'reseller');
  if (value === undefined) {
    if (resellers.length > 0) throw new OptionError('reseller.secret', `required: service provider ${resellers[0]} has identity reseller`);
    return undefined;
  }
  const reseller = requireObject(value, 'reseller');
  rejectUnknownKeys(reseller, ['secret', 'project_domain_name'], 'reseller');
  const secret = requireString(reseller.secret, 'reseller.secret');
  if (secret.length < MIN_SECRET_LENGTH) throw new OptionError('reseller.secret', `must be at least ${MIN_SECRET_LENGTH} characters`);
  return { secret, projectDomainName: requireString(withDefault(reseller.project_domain_name, 'Default'), 'reseller.project_domain_name') };
}
