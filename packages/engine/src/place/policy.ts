import type { TargetHealth } from './health.js';
import type { Quota } from './quota.js';
import type { TargetMetadata } from './target-metadata.js';

/** The built-in placement policies; `local` is today's behaviour (no placement). */
export const PLACEMENT_POLICIES = ['local', 'spread', 'headroom', 'fastest', 'cheapest'] as const;
export type PlacementPolicyName = (typeof PLACEMENT_POLICIES)[number];

/** A cloud a create may go to, with what is known of it. Only targets the caller may use are ever candidates. */
export interface PlacementCandidate {
  /** The SP id, or the local cloud's name (`localName`) */
  name: string;
  kind: 'local' | 'service-provider';
  /** This gateway's recent view of the service there; null when nothing was seen yet */
  health: TargetHealth | null;
  /** The caller's project quotas there, when the service tells them (Cinder, Nova) and could be read; else null */
  quota: Quota | null;
  /**
   * What would be left of each quota the create takes, after it (the first is the one `headroom`
   * ranks by: gigabytes for a volume, instances for a server; Infinity: unlimited); null when not known
   */
  leftAfter: number[] | null;
  /** The operator's metadata for this target (`targetMetadata`) */
  metadata: TargetMetadata;
}

/** The create being placed. */
export interface PlacementRequest {
  /** The service's official type ('block-storage') */
  serviceType: string;
  /** 'volumes', 'images', 'servers'... */
  resourceType: string;
  /** The caller's local project id */
  projectId: string;
  /** The object being created, as the body sends it (Cinder's `volume`, Glance's bare object) */
  created: Record<string, unknown> | undefined;
}

/**
 * A placement policy in code: the names of the candidates to try, in order (or one name). The
 * first that can be reached gets the create; a name that is no candidate is refused (500). An
 * empty answer (or undefined) leaves the create local.
 */
export type PlacementFunction = (request: PlacementRequest, candidates: readonly PlacementCandidate[]) => string | readonly string[] | undefined | Promise<string | readonly string[] | undefined>;

/** A built-in policy's name, or a function. */
export type PlacementPolicy = PlacementPolicyName | PlacementFunction;
