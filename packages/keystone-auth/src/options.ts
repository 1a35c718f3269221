import { caOption, loggerOption, OptionError, readTunables, rejectUnknownKeys, requireObject, requireString, withDefault, type Logger, type TunableValues } from '@k2k/common';
import { storeOption, type Store } from '@k2k/store';
import { authFromEnvironment, parseCredentials, type ServiceCredentials } from '@k2k/keystone';
import { AUTH_TUNABLES } from './option-table.js';

/** Roles a confirmed user must have, else 403. */
export interface RoleRequirement {
  /** At least one of these */
  anyOf?: string[];
  /** Every one of these */
  allOf?: string[];
}

/** keystoneAuth's options: the tunables of AUTH_TUNABLES (option-table.ts) and the rest. */
export interface KeystoneAuthOptions extends Partial<TunableValues<typeof AUTH_TUNABLES>> {
  /** The local Keystone's v3 URL, e.g. http://127.0.0.1:5000/v3. With serviceAuth, default: the OpenStack environment (OS_CLOUD, or OS_AUTH_URL...) */
  authUrl?: string;
  /** This service's own Keystone user, allowed to validate tokens (role service or admin). Default: the OpenStack environment */
  serviceAuth?: ServiceCredentials;
  /** Where clients should authenticate, sent in `WWW-Authenticate` on a 401. Default: authUrl */
  wwwAuthenticateUri?: string;
  /** Cache for validation results. Default: an in-process memory store; share a memcached one across workers */
  store?: Store;
  /** Roles a user must have; otherwise 403 */
  requiredRoles?: RoleRequirement;
  /**
   * The CA certificates (PEM text, or a list of texts) an https Keystone's certificate must chain
   * to, instead of Node's default CAs (as Node's tls `ca`); k2kForward() after it takes them too.
   * Default: Node's default CAs
   */
  ca?: string | string[];
  /**
   * This service's type in the catalog ('volumev3', 'image'...), keystonemiddleware's service_type:
   * a token of an application credential with access rules is accepted only for a call one of its
   * rules allows for this service. Default: none, and such tokens are refused (401)
   */
  serviceType?: string;
  /** Where to log (pino-compatible). Default: nowhere */
  logger?: Logger;
}

/** The options checked and filled in. */
export interface ParsedAuthOptions extends TunableValues<typeof AUTH_TUNABLES> {
  authUrl: string;
  serviceAuth: ServiceCredentials;
  wwwAuthenticateUri: string;
  store: Store;
  requiredRoles: { anyOf: string[]; allOf: string[] };
  /** Absent: Node's default CAs */
  ca: string[] | undefined;
  serviceType: string | undefined;
  logger: Logger;
}

/** The options with no fixed default, read below one by one. */
const OTHERS = ['authUrl', 'serviceAuth', 'wwwAuthenticateUri', 'store', 'requiredRoles', 'ca', 'serviceType', 'logger'];
const KNOWN = [...Object.keys(AUTH_TUNABLES), ...OTHERS];

/** Validates keystoneAuth's options, naming the offending one, and fills in defaults. */
export function parseAuthOptions(input: KeystoneAuthOptions, where = 'keystoneAuth'): ParsedAuthOptions {
  const options = requireObject(input, `${where} options`);
  rejectUnknownKeys(options, KNOWN, where);
  if ((options.authUrl === undefined) !== (options.serviceAuth === undefined)) {
    throw new OptionError(options.authUrl === undefined ? `${where}.authUrl` : `${where}.serviceAuth`, 'give authUrl and serviceAuth together, or neither (then the OpenStack environment: OS_CLOUD, or OS_AUTH_URL, OS_USERNAME...)');
  }
  const fromEnvironment = options.authUrl === undefined ? authFromEnvironment() : undefined;
  const authUrl = fromEnvironment?.authUrl ?? requireString(options.authUrl, `${where}.authUrl`);
  return {
    ...readTunables(options, AUTH_TUNABLES, where),
    authUrl,
    serviceAuth: fromEnvironment?.serviceAuth ?? parseCredentials(options.serviceAuth, `${where}.serviceAuth`),
    wwwAuthenticateUri: requireString(withDefault(options.wwwAuthenticateUri, authUrl), `${where}.wwwAuthenticateUri`),
    store: storeOption(options.store, `${where}.store`),
    requiredRoles: parseRoles(options.requiredRoles, `${where}.requiredRoles`),
    ca: options.ca === undefined ? fromEnvironment?.ca : caOption(options.ca, `${where}.ca`),
    serviceType: options.serviceType === undefined ? undefined : requireString(options.serviceType, `${where}.serviceType`),
    logger: loggerOption(options.logger, `${where}.logger`),
  };
}

function parseRoles(value: unknown, where: string): { anyOf: string[]; allOf: string[] } {
  if (value === undefined) return { anyOf: [], allOf: [] };
  const roles = requireObject(value, where);
  rejectUnknownKeys(roles, ['anyOf', 'allOf'], where);
  return { anyOf: parseNames(withDefault(roles.anyOf, []), `${where}.anyOf`), allOf: parseNames(withDefault(roles.allOf, []), `${where}.allOf`) };
}

function parseNames(value: unknown, where: string): string[] {
  if (!Array.isArray(value)) throw new OptionError(where, 'must be a list of role names');
  return value.map((name, i) => requireString(name, `${where}[${i}]`));
}
