export { keystoneAuth } from './keystone-auth.js';
export type { KeystoneAuthMiddleware } from './keystone-auth.js';
export type { KeystoneCallEvent } from './keystone-calls.js';
export { KeystoneStrategy } from './keystone-strategy.js';
export { keystoneErrorHandler } from './error-handler.js';
export { removeIdentityHeaders } from './identity-headers.js';
export type { ApplicationCredentials, KeystoneAuthOptions, PasswordCredentials, RoleRequirement, ServiceCredentials } from './options.js';
export { logIn } from './service-token.js';
export { InvalidTokenError, IdentityUnavailableError } from './token-validator.js';
