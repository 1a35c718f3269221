import type { IncomingMessage } from 'node:http';
import { serviceTypeCandidates } from '@k2k/keystone';
import type { AccessRule, KeystoneIdentity } from '@k2k/common';

/**
 * Why a token's application-credential access rules do not allow this request, or undefined when
 * they do (or the token has none), as keystonemiddleware decides: the service must know its type
 * and find it in the token's catalog; a request that came with a valid service token is part of a
 * chain, not user-facing, and passes; otherwise one rule must name this service, the method and a
 * path pattern matching the request's path (`*` and `{name}` one segment, `**` any).
 */
export function accessRuleRefusal(req: IncomingMessage, identity: KeystoneIdentity, serviceType: string | undefined): string | undefined {
  const rules = identity.accessRules;
  if (!rules) return undefined;
  if (!serviceType) return 'the token has access rules, and this service has no serviceType to check them against';
  const types = serviceTypeCandidates(serviceType);
  if (!identity.catalog.some((entry) => types.includes(entry.type))) return `the token has access rules, and its catalog has no ${serviceType} service`;
  if (identity.service) return undefined;
  const path = requestPath(req);
  const allowed = rules.some((rule: AccessRule) => rule.method === req.method && types.includes(rule.service) && pathMatches(path, rule.path));
  return allowed ? undefined : `no access rule of the token allows ${req.method} ${path}`;
}

/**
 * The path below where keystoneAuth is mounted (Express strips the mount path from req.url): the
 * service's own API path, which rules are written against, when it is mounted at the service's
 * mount (`app.use('/volume', keystoneAuth(...))`).
 */
function requestPath(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

const compiled = new Map<string, RegExp>();

export function pathMatches(path: string, pattern: string): boolean {
  let regex = compiled.get(pattern);
  if (!regex) {
    const source = pattern.replace(/\{[^}]*\}|\*\*|\*|[^{}*]+/g, (token) => {
      if (token === '**') return '.*';
      if (token === '*' || token.startsWith('{')) return '[^/]+';
      return token.replace(/[.+?^$()[\]\\|]/g, '\\$&');
    });
    regex = new RegExp(`^${source}$`);
    if (compiled.size < 1000) compiled.set(pattern, regex);
  }
  return regex.test(path);
}
