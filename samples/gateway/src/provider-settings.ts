import { OptionError, rejectUnknownKeys, requireObject, requireOneOf, requireString, withDefault } from '@k2k/common';

/** A Keystone user and the project it logs in to. */
export interface PasswordAuth {
  username: string;
  password: string;
  userDomainName: string;
  projectName: string;
  projectDomainName: string;
}

/** What the gateway does at one service provider beyond forwarding (`service_provider_settings.<sp>`). */
export interface ServiceProviderSettings {
  /** Whose identity the K2K exchange carries: the caller's ('user'), or the gateway's own with a pseudonymous project ('reseller') */
  identity: 'user' | 'reseller';
  /** An admin of the SP's own Keystone: what `k2k-gateway sync` acts there with */
  adminAuth: PasswordAuth | undefined;
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

export function parsePasswordAuth(value: unknown, key: string): PasswordAuth {
  const auth = requireObject(value, key);
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
      adminAuth: entry.admin_auth === undefined ? undefined : parsePasswordAuth(entry.admin_auth, `${key}.admin_auth`),
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
