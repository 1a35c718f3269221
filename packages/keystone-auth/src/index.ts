export { keystoneAuth } from './keystone-auth.js';
export type { KeystoneAuthMiddleware } from './keystone-auth.js';
export type { KeystoneCallEvent } from './keystone-calls.js';
export { KeystoneStrategy } from './keystone-strategy.js';
export { keystoneErrorHandler } from './error-handler.js';
export { removeIdentityHeaders } from './identity-headers.js';
export type { KeystoneAuthOptions, RoleRequirement } from './options.js';
export { AUTH_TUNABLES } from './option-table.js';
// Moved down to @k2k/keystone (k2kClient shares them); still exported here, where they were first documented.
export { logIn } from '@k2k/keystone';
export type { ApplicationCredentials, PasswordCredentials, ServiceCredentials } from '@k2k/keystone';
export { InvalidTokenError, IdentityUnavailableError } from './token-validator.js';
