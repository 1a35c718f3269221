import { OptionError } from '@k2k/common';
import { KeystoneClient, type CatalogAdmin } from '@k2k/keystone';
import { logIn } from '@k2k/keystone-auth';
import { describeStep, MADE_BY, registrationPlan, removalPlan, wantedEndpoints, type CatalogPlan, type CatalogState, type CatalogStep } from './catalog-plan.js';
import type { GatewayConfig } from '../config/config.js';
import { virtualRegionsOf } from './discover-virtual-regions.js';

export const CATALOG_ACTIONS = ['print', 'register', 'remove'] as const;
export type CatalogAction = (typeof CATALOG_ACTIONS)[number];

/**
 * `k2k-gateway catalog print|register|remove`: the virtual regions in the IdP's catalog, so a stock
 * client picks a cloud with `--os-region-name <sp>`. `register` makes, for every virtual region, a
 * region of that name and a public endpoint per mount pointing at the gateway (idempotent);
 * `print` says what register would do and changes nothing; `remove` deletes what register made.
 * Logs in with `keystone.admin_auth` (else `service_auth`), which needs the admin role. Each step
 * is written to `out` as it is done; a conflict stops everything before the first step.
 */
export async function runCatalogCommand(action: CatalogAction, config: GatewayConfig, out: (line: string) => void): Promise<void> {
  const gatewayUrl = catalogUrlOf(config);
  const idp = new KeystoneClient({ authUrl: config.keystone.authUrl, timeoutMs: config.upstream.keystoneTimeoutMs, ...(config.ca && { ca: config.ca }) });
  try {
    const token = await logIn(idp, config.keystone.adminAuth ?? config.keystone.serviceAuth);
    const admin = idp.catalogAdmin(token.id);
    const state = await readCatalog(admin);
    const plan: CatalogPlan =
      action === 'remove' ? removalPlan(state, gatewayUrl) : registrationPlan(state, wantedEndpoints(virtualRegionsOf(config, token.serviceProviders), config, gatewayUrl), gatewayUrl);
    if (plan.conflicts.length > 0) throw new Error(`nothing changed: ${plan.conflicts.join('; ')}`);
    // The endpoints of a mount's type go to the first service of that type.
    const serviceIds = new Map<string, string>();
    for (const service of state.services) if (!serviceIds.has(service.type)) serviceIds.set(service.type, service.id);
    for (const step of plan.steps) {
      if (action !== 'print') await apply(admin, step, serviceIds);
      out(describeStep(step));
    }
    if (!plan.steps.some((step) => step.kind !== 'keep-endpoint')) out('nothing to change');
    else if (action === 'print') out('(a dry run: nothing changed)');
  } finally {
    await idp.close();
  }
}

/** The gateway's URL as clients reach it: `public_url`, else the listen address. */
export function catalogUrlOf(config: GatewayConfig): string {
  if (config.publicUrl) return config.publicUrl;
  const { host, port } = config.listen;
  if (port === 0 || ['0.0.0.0', '::', ''].includes(host)) {
    throw new OptionError('public_url', `required by the catalog commands: listen ${host}:${port} is no address a client can reach`);
  }
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

async function readCatalog(admin: CatalogAdmin): Promise<CatalogState> {
  const [regions, services, endpoints] = await Promise.all([admin.listRegions(), admin.listServices(), admin.listEndpoints()]);
  return { regions, services, endpoints };
}

/** Does one step; `serviceIds` (service type -> the service its endpoints go to) learns the services created. */
async function apply(admin: CatalogAdmin, step: CatalogStep, serviceIds: Map<string, string>): Promise<void> {
  switch (step.kind) {
    case 'create-region':
      await admin.createRegion({ id: step.id, description: step.description });
      return;
    case 'create-service': {
      const service = await admin.createService({ type: step.type, name: step.type, description: `${MADE_BY}: made for the endpoints of its virtual regions` });
      serviceIds.set(step.type, service.id);
      return;
    }
    case 'create-endpoint': {
      const serviceId = serviceIds.get(step.serviceType);
      if (!serviceId) throw new Error(`no ${step.serviceType} service to register the endpoint with`);
      await admin.createEndpoint({ serviceId, regionId: step.region, interface: 'public', url: step.url });
      return;
    }
    case 'keep-endpoint':
      return;
    case 'delete-endpoint':
      await admin.deleteEndpoint(step.id);
      return;
    case 'delete-service':
      await admin.deleteService(step.id);
      return;
    case 'delete-region':
      await admin.deleteRegion(step.id);
      return;
  }
}
