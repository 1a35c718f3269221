import { OptionError, rejectUnknownKeys, requireObject, requireString } from '@k2k/common';

// Configured credentials, shared by the OpenStack environment reader and the options of keystoneAuth and k2kClient.

/**
 * The credentials this service validates tokens with (keystonemiddleware's [keystone_authtoken]):
 * a user's password and project, or an application credential (auth_type v3applicationcredential).
 */
export type ServiceCredentials = PasswordCredentials | ApplicationCredentials;

/** A service user's password, scoped to a project. */
export interface PasswordCredentials {
  username: string;
  password: string;
  /** Default "Default" when neither name nor id is given */
  userDomainName?: string;
  userDomainId?: string;
  projectName: string;
  /** Default "Default" when neither name nor id is given */
  projectDomainName?: string;
  projectDomainId?: string;
}

/**
 * An application credential of the service user: by id, or by name with its user (`username` and
 * its domain). It is scoped to its own project already.
 */
export interface ApplicationCredentials {
  applicationCredentialId?: string;
  applicationCredentialName?: string;
  applicationCredentialSecret: string;
  /** With applicationCredentialName: the user it belongs to */
  username?: string;
  userDomainName?: string;
  userDomainId?: string;
}

const CREDENTIAL_KEYS = ['username', 'password', 'userDomainName', 'userDomainId', 'projectName', 'projectDomainName', 'projectDomainId'];
const APPLICATION_CREDENTIAL_KEYS = ['applicationCredentialId', 'applicationCredentialName', 'applicationCredentialSecret', 'username', 'userDomainName', 'userDomainId'];

/** Checks configured credentials of either kind, naming the offending key below `where`. */
export function parseCredentials(value: unknown, where: string): ServiceCredentials {
  const credentials = requireObject(value, where);
  const optional = (key: string) => (credentials[key] === undefined ? undefined : requireString(credentials[key], `${where}.${key}`));
  if (credentials.applicationCredentialSecret !== undefined) {
    rejectUnknownKeys(credentials, APPLICATION_CREDENTIAL_KEYS, where);
    const id = optional('applicationCredentialId');
    const name = optional('applicationCredentialName');
    if ((id === undefined) === (name === undefined)) throw new OptionError(`${where}.applicationCredentialId`, 'give applicationCredentialId, or applicationCredentialName with username');
    if (name !== undefined && credentials.username === undefined) throw new OptionError(`${where}.username`, 'is needed with applicationCredentialName (the user the credential belongs to)');
    return {
      applicationCredentialSecret: requireString(credentials.applicationCredentialSecret, `${where}.applicationCredentialSecret`),
      ...(id !== undefined && { applicationCredentialId: id }),
      ...(name !== undefined && { applicationCredentialName: name, username: optional('username') }),
      ...(optional('userDomainName') !== undefined && { userDomainName: optional('userDomainName') }),
      ...(optional('userDomainId') !== undefined && { userDomainId: optional('userDomainId') }),
    };
  }
  rejectUnknownKeys(credentials, CREDENTIAL_KEYS, where);
  return {
    username: requireString(credentials.username, `${where}.username`),
    password: requireString(credentials.password, `${where}.password`),
    userDomainName: optional('userDomainName'),
    userDomainId: optional('userDomainId'),
    projectName: requireString(credentials.projectName, `${where}.projectName`),
    projectDomainName: optional('projectDomainName'),
    projectDomainId: optional('projectDomainId'),
  };
}
