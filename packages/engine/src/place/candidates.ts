import type { ServiceProvider } from '@k2k/common';
import type { HealthTracker } from './health.js';
import type { PlacementCandidate } from './policy.js';
import { leftAfter } from './quota.js';
import type { Asker, QuotaReader } from './quota-reader.js';
import type { TargetMetadata } from './target-metadata.js';

/**
 * What is known of each target a create may go to: the local cloud, then the service providers
 * given (always those the routing limits allow the caller: `offeredServiceProviders`). Health from
 * the shared tracker; quotas, when asked for, read from every cloud at once.
 */
export class Candidates {
  constructor(
    private readonly localName: string,
    private readonly health: HealthTracker,
    private readonly quotas: QuotaReader,
    private readonly metadata: Readonly<Record<string, TargetMetadata>>,
  ) {}

  async of(asker: Asker, serviceProviders: readonly ServiceProvider[], demand: [string, number][] | undefined, withQuota: boolean): Promise<PlacementCandidate[]> {
    const targets: { name: string; serviceProvider?: ServiceProvider }[] = [{ name: this.localName }, ...serviceProviders.map((sp) => ({ name: sp.id, serviceProvider: sp }))];
    return Promise.all(
      targets.map(async ({ name, serviceProvider }): Promise<PlacementCandidate> => {
        const [health, quota] = await Promise.all([this.health.read(name), withQuota ? this.quotas.read(asker, serviceProvider) : undefined]);
        return {
          name,
          kind: serviceProvider ? 'service-provider' : 'local',
          health,
          quota: quota ?? null,
          leftAfter: leftAfter(quota, demand) ?? null,
          metadata: this.metadata[name] ?? {},
        };
      }),
    );
  }
}
