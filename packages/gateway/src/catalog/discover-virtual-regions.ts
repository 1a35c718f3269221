import type { Logger as PinoLogger } from 'pino';
import { KeystoneClient } from '@k2k/keystone';
import type { ServiceProvider } from '@k2k/common';
import { logIn } from '@k2k/keystone-auth';
import type { GatewayConfig } from '../config/config.js';
import { badName, type VirtualRegion } from '../config/virtual-regions.js';

/**
 * The virtual regions of a config: its list, or for `auto` one per service provider the IdP lists
 * in a token (every enabled SP; no admin role needed, unlike GET /v3/OS-FEDERATION/service_providers),
 * allowed by `service_providers`, named after its id. An id that cannot be a region name is
 * skipped with a warning.
 */
export function virtualRegionsOf(config: GatewayConfig, offered: readonly ServiceProvider[], logger?: PinoLogger): VirtualRegion[] {
  if (config.virtualRegions !== 'auto') return config.virtualRegions;
  const allowed = config.serviceProviders;
  return offered.flatMap(({ id }): VirtualRegion[] => {
    if (allowed !== 'auto' && !allowed.includes(id)) return [];
    const reason = id === config.local.name ? 'it is the local cloud\'s name' : badName(id, Object.keys(config.mounts));
    if (reason) {
      logger?.warn({ serviceProvider: id, reason }, 'virtual_regions: auto: no virtual region for this service provider');
      return [];
    }
    return [{ name: id, serviceProvider: id, token: 'k2k' }];
  });
}

/** The virtual regions to mount: for `auto`, asked of the IdP with the service user's token (once, at start). */
export async function resolveVirtualRegions(config: GatewayConfig, logger: PinoLogger): Promise<VirtualRegion[]> {
  if (config.virtualRegions !== 'auto') return config.virtualRegions;
  const idp = new KeystoneClient({ authUrl: config.keystone.authUrl, timeoutMs: config.upstream.keystoneTimeoutMs, ...(config.ca && { ca: config.ca }) });
  try {
    const token = await logIn(idp, config.keystone.serviceAuth);
    return virtualRegionsOf(config, token.serviceProviders, logger);
  } catch (error) {
    throw new Error(`virtual_regions: auto: could not ask the IdP for its service providers: ${(error as Error).message}`, { cause: error });
  } finally {
    await idp.close();
  }
}
