import { OptionError } from '@k2k/common';
import type { ConfigFile } from './config-schema.js';

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

/** `keystone.service_auth`, `keystone.admin_auth` or `service_provider_settings.<sp>.admin_auth` in the file. */
type LoginFile = ConfigFile['keystone']['service_auth'];
type SettingsFile = ConfigFile['service_provider_settings'][string];

/** An application credential names itself once: by id, or by name with its user. */
export function checkLogin(auth: LoginFile, key: string): void {
  if (!('application_credential_secret' in auth)) return;
  if (auth.application_credential_id !== undefined && auth.application_credential_name !== undefined) {
    throw new OptionError(`${key}.application_credential_name`, 'give application_credential_id or application_credential_name, not both');
  }
  if (auth.application_credential_id === undefined && auth.application_credential_name === undefined) {
    throw new OptionError(`${key}.application_credential_id`, 'required with application_credential_secret (or application_credential_name with username)');
  }
  if (auth.application_credential_name !== undefined && auth.username === undefined) {
    throw new OptionError(`${key}.username`, 'required with application_credential_name (the user the credential belongs to)');
  }
}

/** An SP's settings are for an SP `service_providers` allows; a reseller SP has a grant, its projects' domain is the reseller's, and `reseller` is there. */
export function checkServiceProviderSettings(file: ConfigFile): void {
  const { service_providers: allowed } = file;
  for (const [sp, settings] of Object.entries(file.service_provider_settings)) {
    const key = `service_provider_settings.${sp}`;
    if (allowed !== 'auto' && !allowed.includes(sp)) throw new OptionError(key, `"${sp}" is not in service_providers (${allowed.join(', ')})`);
    if (settings.identity === 'reseller' && settings.project_domain_name !== undefined) {
      throw new OptionError(`${key}.project_domain_name`, 'not with identity: reseller (its projects go in reseller.project_domain_name)');
    }
    if (settings.identity === 'reseller' && !settings.grant) {
      throw new OptionError(`${key}.grant`, "required with identity: reseller: {group_name, role} of the group the SP maps the gateway's service user to");
    }
    if (settings.admin_auth) checkLogin(settings.admin_auth, `${key}.admin_auth`);
  }
  const reseller = Object.keys(file.service_provider_settings).find((sp) => file.service_provider_settings[sp].identity === 'reseller');
  if (reseller !== undefined && file.reseller === undefined) throw new OptionError('reseller.secret', `required: service provider ${reseller} has identity reseller`);
}

export function keystoneLoginOf(auth: LoginFile): KeystoneLogin {
  if (!('application_credential_secret' in auth)) {
    return { username: auth.username, password: auth.password, userDomainName: auth.user_domain_name, projectName: auth.project_name, projectDomainName: auth.project_domain_name };
  }
  const secret = { applicationCredentialSecret: auth.application_credential_secret, userDomainName: auth.user_domain_name };
  if (auth.application_credential_id !== undefined) return { applicationCredentialId: auth.application_credential_id, ...secret };
  return { applicationCredentialName: auth.application_credential_name, username: auth.username, ...secret };
}

export function serviceProviderSettingsOf(file: ConfigFile): Record<string, ServiceProviderSettings> {
  return Object.fromEntries(Object.entries(file.service_provider_settings).map(([sp, settings]) => [sp, settingsOf(settings)]));
}

function settingsOf(settings: SettingsFile): ServiceProviderSettings {
  const { grant } = settings;
  return {
    identity: settings.identity,
    adminAuth: settings.admin_auth && keystoneLoginOf(settings.admin_auth),
    projectDomainName: settings.project_domain_name ?? 'Default',
    grant: grant && { groupName: grant.group_name, groupDomainName: grant.group_domain_name, role: grant.role },
  };
}

export function resellerOf(file: ConfigFile): ResellerConfig | undefined {
  return file.reseller && { secret: file.reseller.secret, projectDomainName: file.reseller.project_domain_name };
}
