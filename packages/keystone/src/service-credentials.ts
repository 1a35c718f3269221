// The service user's credentials, on their own so options and the OpenStack environment reader share them without a cycle.

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
