import { caOption, loggerOption, OptionError, readTunables, rejectUnknownKeys, requireObject, requireString, requireStringList, type Logger, type TunableValues } from '@k2k/common';
import { isKnownServiceType, normalizeInterface, officialServiceType } from '@k2k/keystone';
import { storeOption, type Store } from '@k2k/store';
import {
  DEFAULT_AGGREGATED_TYPES,
  DEFAULT_RESOURCE_TYPES,
  parseEndpointPolicy,
  parseIdentities,
  parsePin,
  parseProxyId,
  parseSharedStorage,
  parseTargetMetadata,
  parseVirtualRegionNames,
  type EndpointPolicyOption,
  type EngineSettings,
  type IdentityMode,
  type MountPin,
  type PlacementPolicy,
  type ResellerOptions,
  type TargetMetadata,
} from '@k2k/engine';
import { FORWARD_TUNABLES } from './option-table.js';

/** k2kForward's options: the tunables of FORWARD_TUNABLES (option-table.ts) and the rest. */
export interface K2KForwardOptions extends Partial<Omit<TunableValues<typeof FORWARD_TUNABLES>, 'placement'>> {
  /** The service this middleware fronts: 'volumev3', 'block-storage', 'image'... (aliases accepted). Default: per request, from the mount path or the resource type */
  serviceType?: string;
  /**
   * The official service type whose API the service speaks ('block-storage', 'image', 'compute',
   * 'network'...), when serviceType is a catalog type of the operator's own (a second Cinder listed
   * as 'volume-gold', say): its URL grammar, list semantics and default resource types follow it.
   * Default: serviceType's own official type
   */
  api?: string;
  /** The local Keystone's v3 URL: the identity provider. Default: keystoneAuth's (req.keystoneContext) */
  authUrl?: string;
  /** Shared cache of remote tokens and resource locations. Default: keystoneAuth's, else in-process memory */
  store?: Store;
  /**
   * This mount's URL as clients reach it, e.g. "https://gw.example.com/volume": the base of the
   * links in answers. Default: from each request (the connection's scheme, Host, the mount path)
   */
  publicUrl?: string;
  /** Region of the endpoints to use at service providers. Default: the first that has the service */
  region?: string;
  /**
   * The CA certificates (PEM text, or a list of texts) that every https server this middleware
   * calls must chain to, instead of Node's default CAs (as Node's tls `ca`): the Keystones of the
   * K2K exchange (the IdP's and the SPs') and the services it forwards to (the SPs' and `local`).
   * Taking keystoneAuth's Keystone (no authUrl), it trusts keystoneAuth's `ca` as well. Default:
   * keystoneAuth's `ca` then, else Node's default CAs
   */
  ca?: string | string[];
  /** This proxy's name in MM-PROXY-LIST, the loop guard of chained proxies. Default: the host name */
  proxyId?: string;
  /** Only these service providers may be named; default: every one the IdP offers the caller */
  serviceProviders?: string[];
  /**
   * Who may reach which service provider's services (DESIGN "Endpoint policy"): 'open' (default),
   * 'catalog' (only what the caller's own token's catalog lists in the SP's virtual regions) or
   * `{ rules: [...] }` (grants to projects, domains or roles). Refused: 403 before any K2K exchange
   */
  endpointPolicy?: EndpointPolicyOption;
  /** Each service provider's virtual region names in the IdP's catalog, for endpointPolicy. Default: a service provider's id */
  virtualRegionNames?: Record<string, string[]>;
  /** Where to log (pino-compatible). Default: nowhere */
  logger?: Logger;
  /** The resource types learned and searched. Default: OpenStack's for the service type (volumes, snapshots, backups; images; servers; networks, subnets, ports...) */
  resourceTypes?: string[];
  /** The resource types whose lists are merged. Default: volumes, snapshots, backups; images; servers; networks, subnets, ports, routers, floatingips, security-groups */
  aggregateResourceTypes?: string[];
  /**
   * Pins this mount to one target (a virtual region): every request goes there, as if
   * SERVICE-PROVIDER (and the project) were sent; learned locations, search and aggregation do not
   * apply. Default: not pinned
   */
  pin?: MountPin;
  /**
   * Per service provider id: whose identity the K2K exchange carries (DESIGN "Reseller anonymity"):
   * 'user' (default) the caller's; 'reseller' this service's own (keystoneAuth's service user),
   * scoped to the customer's pseudonymous project `k2k-<HMAC(reseller.secret, local project id)>`,
   * with nothing naming the caller or their address sent there
   */
  identity?: Record<string, IdentityMode>;
  /** Required when a service provider has identity 'reseller' */
  reseller?: ResellerOptions;
  /**
   * Where a create that names no cloud goes (DESIGN "Discovery and placement"): 'local' (default,
   * no placement), 'spread', 'headroom', 'fastest', 'cheapest', or a function choosing among the
   * clouds the caller may use
   */
  placement?: PlacementPolicy;
  /** The operator's metadata per target (the local cloud's name or an SP id): cost, sla, location, labels. Default: none */
  targetMetadata?: Record<string, TargetMetadata>;
  /**
   * Cloud pairs that share storage, by name (`localName` or an SP id), e.g. `[['default', 'sp1']]`:
   * a request that names a volume held by one and a server of the other (a volume attachment, a
   * server booted from that volume, Cinder's attachment of it) goes where the server (for Cinder:
   * the volume) is, instead of being refused with 409 as naming resources of two clouds. Default: none
   */
  sharedStorage?: [string, string][];
}

/** The options checked and filled in: the engine's settings, with what keystoneAuth can supply left open. */
export type ParsedForwardOptions = Omit<EngineSettings, 'serviceType' | 'api' | 'authUrl' | 'store' | 'logger' | 'resourceTypes' | 'aggregateResourceTypes' | 'ca' | 'serviceToken'> & {
  /** Absent: inferred per request */
  serviceType?: string;
  /** Absent: serviceType's official type */
  api?: string;
  /** Absent: keystoneAuth's */
  authUrl?: string;
  /** Absent: keystoneAuth's, else in-process memory */
  store?: Store;
  /** Absent: keystoneAuth's when its Keystone is used, else Node's default CAs */
  ca?: string[];
  /** Absent: keystoneAuth's, else silent */
  logger?: Logger;
  /** Absent: OpenStack's for the service type */
  resourceTypes?: string[];
  /** Absent: OpenStack's for the service type */
  aggregateResourceTypes?: string[];
};

/** The options with no fixed default, read below one by one. */
const OTHERS = [
  'serviceType',
  'api',
  'authUrl',
  'store',
  'publicUrl',
  'region',
  'ca',
  'proxyId',
  'serviceProviders',
  'endpointPolicy',
  'virtualRegionNames',
  'logger',
  'resourceTypes',
  'aggregateResourceTypes',
  'pin',
  'identity',
  'reseller',
  'targetMetadata',
  'sharedStorage',
];
const KNOWN = [...Object.keys(FORWARD_TUNABLES), ...OTHERS];

/** Validates k2kForward's options, naming the offending one, and fills in defaults. */
export function parseForwardOptions(input: K2KForwardOptions = {}, where = 'k2kForward'): ParsedForwardOptions {
  const options = requireObject(input, `${where} options`);
  rejectUnknownKeys(options, KNOWN, where);
  // A placement function is an option too; the table checks the named policies.
  const placementFunction = typeof options.placement === 'function' ? (options.placement as PlacementPolicy) : undefined;
  const tuned = readTunables({ ...options, ...(placementFunction && { placement: undefined }) }, FORWARD_TUNABLES, where);
  const endpointInterface = normalizeInterface(tuned.interface);
  if (!endpointInterface) throw new OptionError(`${where}.interface`, `must be public, internal or admin (publicURL style accepted), got ${JSON.stringify(tuned.interface)}`);
  const proxyId = parseProxyId(options.proxyId, `${where}.proxyId`);
  const serviceType = options.serviceType === undefined ? undefined : officialServiceType(requireString(options.serviceType, `${where}.serviceType`));
  const { localName } = tuned;
  const region = options.region === undefined ? undefined : requireString(options.region, `${where}.region`);
  const serviceProviders = parseServiceProviders(options.serviceProviders, `${where}.serviceProviders`);
  const pin = options.pin === undefined ? undefined : parsePin(options.pin, `${where}.pin`, { localName, serviceProviders, region });
  return {
    ...tuned,
    serviceType,
    ...(options.api !== undefined && { api: parseApi(options.api, `${where}.api`) }),
    ...(options.authUrl !== undefined && { authUrl: requireString(options.authUrl, `${where}.authUrl`) }),
    ...(options.store !== undefined && { store: storeOption(options.store, `${where}.store`) }),
    local: parseLocal(tuned.local, `${where}.local`),
    publicUrl: options.publicUrl === undefined ? undefined : parsePublicUrl(options.publicUrl, `${where}.publicUrl`),
    interface: endpointInterface,
    // A pinned k2k mount's region picks the SP's endpoints; a passthrough pin carries its own.
    region: pin?.token === 'k2k' ? (pin.region ?? region) : region,
    ...(options.ca !== undefined && { ca: caOption(options.ca, `${where}.ca`) }),
    proxyId,
    serviceProviders,
    endpointPolicy: parseEndpointPolicy(
      options.endpointPolicy,
      `${where}.endpointPolicy`,
      options.virtualRegionNames === undefined ? {} : parseVirtualRegionNames(options.virtualRegionNames, `${where}.virtualRegionNames`),
    ),
    ...(options.logger !== undefined && { logger: loggerOption(options.logger, `${where}.logger`) }),
    ...(options.resourceTypes !== undefined && { resourceTypes: requireStringList(options.resourceTypes, `${where}.resourceTypes`) }),
    ...(options.aggregateResourceTypes !== undefined && { aggregateResourceTypes: requireStringList(options.aggregateResourceTypes, `${where}.aggregateResourceTypes`) }),
    pin,
    ...parseIdentities(options.identity, options.reseller, where),
    placement: placementFunction ?? tuned.placement,
    targetMetadata: options.targetMetadata === undefined ? {} : parseTargetMetadata(options.targetMetadata, `${where}.targetMetadata`),
    sharedStorage: parseSharedStorage(options.sharedStorage, `${where}.sharedStorage`, { localName, serviceProviders }),
  };
}

function parseApi(value: unknown, option: string): string {
  const type = requireString(value, option);
  if (!isKnownServiceType(type)) throw new OptionError(option, `must be an official service type such as block-storage, image, compute or network (aliases accepted), got ${JSON.stringify(type)}`);
  return officialServiceType(type);
}

function parseServiceProviders(value: unknown, option: string): string[] | undefined {
  return value === undefined ? undefined : requireStringList(value, option);
}


function parseLocal(value: unknown, option: string): ParsedForwardOptions['local'] {
  const text = requireString(value, option);
  if (text === 'next') return { kind: 'next' };
  let url: URL;
  try {
    url = new URL(text.replace(/[%$]\((?:project_id|tenant_id)\)s/g, '__project__'));
  } catch {
    throw new OptionError(option, `must be 'next' or the local service's URL, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OptionError(option, 'must be an http or https URL');
  return { kind: 'upstream', template: url };
}

function parsePublicUrl(value: unknown, option: string): URL {
  const text = requireString(value, option);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new OptionError(option, `must be the URL clients reach this mount at, e.g. "https://gw.example.com/volume", got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OptionError(option, 'must be an http or https URL');
  if (url.username || url.password || url.search || url.hash) throw new OptionError(option, 'must be a plain URL: no user, query or fragment');
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

/**
 * The settings for `serviceType` at `authUrl`: explicit options win; resource types default to
 * OpenStack's for the service; the CAs are the `ca` option's and those of keystoneAuth, when its
 * Keystone is the one used (`keystoneAuthCa`).
 */
export function engineSettings(
  options: ParsedForwardOptions,
  found: { serviceType: string; authUrl: string; store: Store; logger: Logger; serviceToken?: () => Promise<string>; keystoneAuthCa?: readonly string[] },
): EngineSettings {
  const { keystoneAuthCa, ...settled } = found;
  const api = options.api ?? found.serviceType;
  return {
    ...options,
    ...settled,
    api,
    ca: options.ca || keystoneAuthCa ? [...(options.ca ?? []), ...(keystoneAuthCa ?? [])] : undefined,
    serviceToken: options.reseller?.serviceToken ?? found.serviceToken,
    resourceTypes: options.resourceTypes ?? [...(DEFAULT_RESOURCE_TYPES[api] ?? [])],
    aggregateResourceTypes: options.aggregateResourceTypes ?? [...(DEFAULT_AGGREGATED_TYPES[api] ?? [])],
  };
}
