import { OptionError } from '@k2k/common';
import type { ConfigFile } from './config-schema.js';

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

type SyncFile = NonNullable<ConfigFile['sync']>;

/** The events hook is a URL fetch() can POST to (the schema only sees its scheme). */
export function checkSync(sync: SyncFile | undefined): void {
  const url = sync?.events?.url;
  if (url !== undefined && !URL.canParse(url)) throw new OptionError('sync.events.url', `must be an http or https URL, got ${JSON.stringify(url)}`);
}

/** The schema lets exactly one key through in `scope` and in `events`. */
export function syncConfigOf(sync: SyncFile | undefined): SyncConfig | undefined {
  if (!sync) return undefined;
  const { scope, events } = sync;
  return {
    scope: scope.tag !== undefined ? { tag: scope.tag } : { domainName: scope.domain_name as string },
    spTag: sync.sp_tag,
    onDelete: sync.on_delete,
    intervalSeconds: sync.interval_seconds,
    leaseSeconds: sync.lease_seconds,
    events: events && (events.file !== undefined ? { file: events.file } : { url: events.url as string }),
  };
}
