import { OpenStackError, type ServiceProvider } from '@k2k/common';
import type { RemoteSession } from '../execute/remote-session.js';
import type { HealthTracker, TargetHealth } from './health.js';
import type { Quota } from './quota.js';
import type { Asker, QuotaReader } from './quota-reader.js';
import type { TargetMetadata } from './target-metadata.js';

/** One target as one k2kForward mount sees it for a caller: what discovery (`GET /k2k/v1/regions`) is made of. */
export interface TargetDescription {
  /** The SP id, or the local cloud's name */
  name: string;
  kind: 'local' | 'service-provider';
  /** The official type of the service this mount fronts ('block-storage') */
  serviceType: string;
  /** Whether the caller has a session there (at an SP: the K2K exchange worked); the local cloud always */
  reachable: boolean;
  /** Why not, when not reachable (no token in it) */
  problem?: string;
  /** The caller's project there (at an SP, the one requests are scoped to) */
  project?: { id: string; name: string };
  /** The service types of the caller's catalog there: the SP's scoped catalog, the IdP's for the local cloud */
  catalog: string[];
  health: TargetHealth | null;
  /** The caller's quotas of this service there, when it tells them */
  quota: Quota | null;
  metadata: TargetMetadata;
}

/** What describing needs from the rest of the engine. */
export interface DescribePorts {
  session(asker: Asker, serviceProvider: ServiceProvider): Promise<RemoteSession>;
}

/**
 * Describes every target a caller may use for one service: the local cloud, then each service
 * provider given (the routing limits' `offeredServiceProviders`), all at once. An SP where the
 * exchange fails is listed as not reachable, with the reason.
 */
export class TargetDescriber {
  constructor(
    private readonly serviceType: string,
    private readonly localName: string,
    private readonly ports: DescribePorts,
    private readonly health: HealthTracker,
    private readonly quotas: QuotaReader,
    private readonly metadata: Readonly<Record<string, TargetMetadata>>,
  ) {}

  async describe(asker: Asker, serviceProviders: readonly ServiceProvider[]): Promise<TargetDescription[]> {
    const project = asker.identity?.project;
    const local = (async (): Promise<TargetDescription> => ({
      name: this.localName,
      kind: 'local',
      serviceType: this.serviceType,
      reachable: true,
      ...(project && { project: { id: project.id, name: project.name } }),
      catalog: catalogTypes(asker.identity?.catalog ?? []),
      health: await this.health.read(this.localName),
      quota: (await this.quotas.read(asker, undefined)) ?? null,
      metadata: this.metadata[this.localName] ?? {},
    }))();
    return Promise.all([local, ...serviceProviders.map((sp) => this.describeServiceProvider(asker, sp))]);
  }

  private async describeServiceProvider(asker: Asker, serviceProvider: ServiceProvider): Promise<TargetDescription> {
    const base = { name: serviceProvider.id, kind: 'service-provider' as const, serviceType: this.serviceType, metadata: this.metadata[serviceProvider.id] ?? {} };
    const health = await this.health.read(serviceProvider.id);
    let session: RemoteSession;
    try {
      session = await this.ports.session(asker, serviceProvider);
    } catch (error) {
      const problem = error instanceof OpenStackError ? error.message : `The exchange with service provider ${serviceProvider.id} failed.`;
      return { ...base, reachable: false, problem, catalog: [], health, quota: null };
    }
    return {
      ...base,
      reachable: true,
      project: { id: session.projectId, name: session.projectName },
      catalog: catalogTypes(session.catalog),
      health,
      quota: (await this.quotas.read(asker, serviceProvider, session)) ?? null,
    };
  }
}

function catalogTypes(catalog: readonly { type: string }[]): string[] {
  return [...new Set(catalog.map((entry) => entry.type))].sort();
}
