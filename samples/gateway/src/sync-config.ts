import { OptionError, rejectUnknownKeys, requireInteger, requireObject, requireOneOf, requireString, withDefault } from '@k2k/common';

/** `sync`: what `k2k-gateway sync` mirrors, how often, and where its events go. */
export interface SyncConfig {
  /** The IdP projects mirrored: those of a domain, or those carrying a tag */
  scope: { domainName: string } | { tag: string };
  /** The tag that marks a project at an SP as a mirror made by this sync; its link tag is `<spTag>:<IdP project id>` */
  spTag: string;
  /** What a project deleted at the IdP (or gone out of scope) becomes at the SPs */
  onDelete: 'delete' | 'disable';
  /** The pause between two rounds of `sync` (not `--once`) */
  intervalSeconds: number;
  /** How long one host's lease on syncing lasts at most (a crashed host blocks the others this long); longer than a round */
  leaseSeconds: number;
  /** Where a CADF event per change goes: appended as a JSON line to a file, or POSTed to a URL; undefined: nowhere */
  events: { file: string } | { url: string } | undefined;
}

/** Keystone's tags: at most 255 characters, no "/" or ",". The link tag adds ":" and a 32-character id or pseudonym. */
const TAG = /^[^/,\s]{1,200}$/;
const MAX_SECONDS = 86_400;

export function parseSync(value: unknown): SyncConfig {
  const sync = requireObject(value, 'sync');
  rejectUnknownKeys(sync, ['scope', 'sp_tag', 'on_delete', 'interval_seconds', 'lease_seconds', 'events'], 'sync');
  const intervalSeconds = requireInteger(withDefault(sync.interval_seconds, 60), 'sync.interval_seconds', 1, MAX_SECONDS);
  return {
    scope: parseScope(sync.scope),
    spTag: tag(withDefault(sync.sp_tag, 'k2k-sync'), 'sync.sp_tag'),
    onDelete: requireOneOf(withDefault(sync.on_delete, 'delete'), 'sync.on_delete', ['delete', 'disable'] as const),
    intervalSeconds,
    leaseSeconds: requireInteger(withDefault(sync.lease_seconds, 300), 'sync.lease_seconds', 1, MAX_SECONDS),
    events: sync.events === undefined ? undefined : parseEvents(sync.events),
  };
}

function parseScope(value: unknown): SyncConfig['scope'] {
  if (value === undefined) throw new OptionError('sync.scope', 'required: {domain_name: NAME} or {tag: TAG}, the IdP projects to mirror');
  const scope = requireObject(value, 'sync.scope');
  rejectUnknownKeys(scope, ['domain_name', 'tag'], 'sync.scope');
  if ((scope.domain_name === undefined) === (scope.tag === undefined)) throw new OptionError('sync.scope', 'give exactly one of domain_name and tag');
  return scope.tag !== undefined ? { tag: tag(scope.tag, 'sync.scope.tag') } : { domainName: requireString(scope.domain_name, 'sync.scope.domain_name') };
}

function parseEvents(value: unknown): SyncConfig['events'] {
  const events = requireObject(value, 'sync.events');
  rejectUnknownKeys(events, ['file', 'url'], 'sync.events');
  if ((events.file === undefined) === (events.url === undefined)) throw new OptionError('sync.events', 'give exactly one of file and url');
  if (events.file !== undefined) return { file: requireString(events.file, 'sync.events.file') };
  const url = requireString(events.url, 'sync.events.url');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OptionError('sync.events.url', `must be an http or https URL, got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new OptionError('sync.events.url', 'must be an http or https URL');
  return { url };
}

function tag(value: unknown, key: string): string {
  const text = requireString(value, key);
  if (!TAG.test(text)) throw new OptionError(key, 'must be a Keystone tag: 1 to 200 characters, no "/", "," or spaces');
  return text;
}
