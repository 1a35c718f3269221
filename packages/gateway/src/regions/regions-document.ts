import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OpenStackError, requestIdOf, writeOpenStackError } from '@k2k/common';
import type { K2KForwardMiddleware, PlacementPolicyName, TargetDescription } from '@k2k/k2k-forward';
import { SealedJsonCache, SingleFlight, type Store } from '@k2k/store';

/** How long a caller's document is reused: health and quotas change, but a broker may poll. */
export const REGIONS_CACHE_SECONDS = 10;

/** How long one build may hold the cross-process lease: K2K exchanges and `/limits` reads at every cloud. */
const BUILD_LEASE_SECONDS = 30;

/** One target in the regions document (`schema/regions.schema.json`). */
export interface RegionEntry {
  name: string;
  kind: 'local' | 'service_provider';
  reachable: boolean;
  problem?: string;
  project?: { id: string; name: string };
  /** The gateway's virtual regions pinned to this target (`/<name>/<mount>`) */
  virtual_regions: string[];
  /** Service types of the caller's catalog there */
  catalog: string[];
  /** Per gateway mount: the service, this gateway's health of it there, the caller's quotas */
  services: { mount: string; service_type: string; health: RegionHealth | null; quota: TargetDescription['quota'] }[];
  metadata: TargetDescription['metadata'];
}

/** This gateway's recent view of a service at a target, in the document's snake_case (k2kForward's TargetHealth). */
export interface RegionHealth {
  samples: number;
  error_rate: number;
  latency_ms: number | null;
  updated_at: string;
}

export interface RegionsDocument {
  regions: RegionEntry[];
  /** Where creates that name no cloud go */
  placement: PlacementPolicyName;
  generated_at: string;
}

export interface RegionsSource {
  /** The unpinned mounts, each with its forwarder */
  mounts: { path: string; forward: K2KForwardMiddleware }[];
  /** Virtual region names by the target they pin */
  virtualRegions: { name: string; target: string }[];
  placement: PlacementPolicyName;
  store: Store;
}

/**
 * `GET /k2k/v1/regions` (after keystoneAuth): every target the caller may use, merged over the
 * gateway's mounts, as each mount's k2kForward describes it (the same targets its routing allows
 * the caller). Cached per caller token for a few seconds, sealed in the store; built once per
 * token at a time, in this process and in every worker sharing the store (as remote tokens are):
 * a client asking many times at once with a new token costs one build, not one per request.
 */
export function regionsDocument(source: RegionsSource) {
  const cache = new SealedJsonCache<RegionsDocument>(source.store, 'k2k-regions');
  const flights = new SingleFlight(source.store, { leaseSeconds: BUILD_LEASE_SECONDS });
  return async function regions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requestIdOf(req, res);
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        throw new OpenStackError(405, `The method ${req.method} is not allowed for /k2k/v1/regions.`);
      }
      // keystoneAuth confirmed the token; its hash keys the cache, so the token itself is never a key.
      const token = String(req.headers['x-auth-token'] ?? '');
      const subject = createHash('sha256').update(token).digest('hex');
      const document =
        (await cache.get(subject)) ??
        (await flights.run(
          `regions\n${subject}`,
          async () => {
            const built = await build(source, req, res);
            await cache.set(subject, built, REGIONS_CACHE_SECONDS);
            return built;
          },
          () => cache.get(subject),
        ));
      const body = JSON.stringify(document);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': `private, max-age=${REGIONS_CACHE_SECONDS}` });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (error) {
      writeOpenStackError(req, res, error);
    }
  };
}

async function build(source: RegionsSource, req: IncomingMessage, res: ServerResponse): Promise<RegionsDocument> {
  const described = await Promise.all(source.mounts.map(async ({ path, forward }) => ({ path, targets: await forward.describeTargets(req, res) })));
  const byName = new Map<string, RegionEntry>();
  for (const { path, targets } of described) {
    for (const target of targets) {
      const entry = byName.get(target.name) ?? newEntry(target, source);
      entry.reachable &&= target.reachable;
      if (target.problem && !entry.problem) entry.problem = target.problem;
      if (target.project && !entry.project) entry.project = target.project;
      entry.catalog = [...new Set([...entry.catalog, ...target.catalog])].sort();
      entry.services.push({ mount: path, service_type: target.serviceType, health: regionHealth(target.health), quota: target.quota });
      byName.set(target.name, entry);
    }
  }
  return { regions: [...byName.values()], placement: source.placement, generated_at: new Date().toISOString() };
}

function newEntry(target: TargetDescription, source: RegionsSource): RegionEntry {
  return {
    name: target.name,
    kind: target.kind === 'local' ? 'local' : 'service_provider',
    reachable: true,
    ...(target.problem && { problem: target.problem }),
    ...(target.project && { project: target.project }),
    virtual_regions: source.virtualRegions.filter((region) => region.target === target.name).map((region) => region.name),
    catalog: [],
    services: [],
    metadata: target.metadata,
  };
}

function regionHealth(health: TargetDescription['health']): RegionHealth | null {
  return health && { samples: health.samples, error_rate: health.errorRate, latency_ms: health.latencyMs, updated_at: health.updatedAt };
}
