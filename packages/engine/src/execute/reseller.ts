import { createHmac, randomUUID } from 'node:crypto';
import { OptionError, rejectUnknownKeys, requireObject, requireOneOf, requireString, withDefault } from '@k2k/common';

/** Whose identity the K2K exchange with a service provider carries. */
export type IdentityMode = 'user' | 'reseller';

/** Reseller anonymity (DESIGN.md): what k2kForward needs for the service providers with identity 'reseller'. */
export interface ResellerOptions {
  /** The key of the pseudonymous project names, `k2k-<HMAC-SHA256(secret, local project id)>`: the same as `k2k-gateway sync`'s (at least 16 characters) */
  secret: string;
  /** The domain of those projects at the service providers. Default 'Default' */
  projectDomain?: string;
  /** This service's own project-scoped token at the IdP, which makes the exchange. Default: keystoneAuth's service user token */
  serviceToken?: () => Promise<string>;
}

export interface ParsedReseller {
  secret: string;
  projectDomain: string;
  serviceToken: (() => Promise<string>) | undefined;
}

/** Hex characters of the HMAC kept: 128 bits, and `k2k-` + 32 stays far below Keystone's 64-character project names. */
const PSEUDONYM_HEX = 32;
const MIN_SECRET_LENGTH = 16;

/** The pseudonym of a local project: the first 128 bits of HMAC-SHA256(secret, project id), in hex. */
export function projectPseudonym(secret: string, localProjectId: string): string {
  return createHmac('sha256', secret).update(localProjectId).digest('hex').slice(0, PSEUDONYM_HEX);
}

/** The name of a customer's project at a reseller service provider: `k2k-<pseudonym>`. */
export function pseudonymousProjectName(secret: string, localProjectId: string): string {
  return `k2k-${projectPseudonym(secret, localProjectId)}`;
}

/** `identity` (per SP id: 'user' or 'reseller') and `reseller`, checked together. */
export function parseIdentities(identity: unknown, reseller: unknown, where: string): { identity: Record<string, IdentityMode>; reseller: ParsedReseller | undefined } {
  const modes = requireObject(withDefault(identity, {}), `${where}.identity`);
  const parsed: Record<string, IdentityMode> = {};
  for (const [sp, mode] of Object.entries(modes)) parsed[sp] = requireOneOf(mode, `${where}.identity.${sp}`, ['user', 'reseller'] as const);
  const resellers = Object.keys(parsed).filter((sp) => parsed[sp] === 'reseller');
  if (reseller === undefined) {
    if (resellers.length > 0) throw new OptionError(`${where}.reseller`, `required: service provider ${resellers[0]} has identity 'reseller'`);
    return { identity: parsed, reseller: undefined };
  }
  const options = requireObject(reseller, `${where}.reseller`);
  rejectUnknownKeys(options, ['secret', 'projectDomain', 'serviceToken'], `${where}.reseller`);
  const secret = requireString(options.secret, `${where}.reseller.secret`);
  if (secret.length < MIN_SECRET_LENGTH) throw new OptionError(`${where}.reseller.secret`, `must be at least ${MIN_SECRET_LENGTH} characters`);
  const serviceToken = options.serviceToken === undefined ? undefined : requireFunction(options.serviceToken, `${where}.reseller.serviceToken`);
  return { identity: parsed, reseller: { secret, projectDomain: requireString(withDefault(options.projectDomain, 'Default'), `${where}.reseller.projectDomain`), serviceToken } };
}

function requireFunction(value: unknown, option: string): () => Promise<string> {
  if (typeof value !== 'function') throw new OptionError(option, 'must be a function returning a promise of the token');
  return value as () => Promise<string>;
}

/**
 * Request headers that can name the caller or where they connect from: none goes to a reseller
 * SP. (Identity headers and routing headers never leave for any SP.)
 */
export const CALLER_HEADERS: readonly string[] = [
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-server',
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'via',
  'cookie',
  'referer',
  'origin',
  'x-compute-request-id',
];

/** A request id of this proxy's own for a reseller SP: the caller's global one would let the SP correlate. */
export function anonymousRequestId(): string {
  return `req-${randomUUID()}`;
}
