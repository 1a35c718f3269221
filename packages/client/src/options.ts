import { caOption, loggerOption, OptionError, readTunables, rejectUnknownKeys, requireObject, requireString, requireStringList, silentLogger, type EndpointInterface, type Logger, type TunableValues } from '@k2k/common';
import { authFromEnvironment, isKnownServiceType, normalizeInterface, officialServiceType, parseCredentials, type ServiceCredentials } from '@k2k/keystone';
import { createStore, storeOption, type Store } from '@k2k/store';
import { parseEndpointPolicy, parseProxyId, parseSharedStorage, parseTargetMetadata, parseVirtualRegionNames, type EndpointPolicy, type EndpointPolicyOption, type EngineSettings, type PlacementPolicy, type TargetMetadata } from '@k2k/engine';
import { CLIENT_TUNABLES } from './option-table.js';

/** k2kClient's options: the tunables of CLIENT_TUNABLES (option-table.ts) and the rest. */
export interface K2KClientOptions extends Partial<Omit<TunableValues<typeof CLIENT_TUNABLES>, 'placement'>> {
  /** The local Keystone's v3 URL: the identity provider. Default: the OpenStack environment (OS_CLOUD and clouds.yaml, or OS_AUTH_URL...) */
  authUrl?: string;
  /**
   * The client's own Keystone user, for `session()` without a token (a password with its project,
   * or an application credential). Default: the OpenStack environment's when authUrl comes from it, else none
   */
  credentials?: ServiceCredentials;
  /** Shared cache of remote tokens, resource locations and health: the same store as a gateway's, and both learn for each other. Default: in-process memory */
  store?: Store;
  /** The CA certificates (PEM text, or a list of texts) every https server the client calls must chain to. Default: the environment's OS_CACERT when configured from it, else Node's default CAs */
  ca?: string | string[];
  /** Where to log (pino-compatible). Default: nowhere */
  logger?: Logger;
  /** Region of the endpoints at service providers. Default: the first that has the service */
  region?: string;
  /** This client's name in MM-PROXY-LIST, the loop guard of chained proxies. Default: the host name */
  proxyId?: string;
  /** Only these service providers may be named or searched; default: every one the IdP offers the caller */
  serviceProviders?: string[];
  /** Who may reach which service provider's services: 'open' (default), 'catalog' or `{ rules: [...] }`, as k2kForward's */
  endpointPolicy?: EndpointPolicyOption;
  /** Each service provider's virtual region names in the IdP's catalog, for endpointPolicy. Default: a service provider's id */
  virtualRegionNames?: Record<string, string[]>;
  /** Where a create that names no cloud goes: 'local' (default), 'spread', 'headroom', 'fastest', 'cheapest', or a function */
  placement?: PlacementPolicy;
  /** The operator's metadata per target (the local cloud's name or an SP id): cost, sla, location, labels. Default: none */
  targetMetadata?: Record<string, TargetMetadata>;
  /** Cloud pairs that share storage, by name (`localName` or an SP id), e.g. `[['default', 'sp1']]`, as k2kForward's. Default: none */
  sharedStorage?: [string, string][];
  /**
   * Per catalog type of the operator's own (a second Cinder listed as 'volume-gold', say): the
   * official service type whose API it speaks ('block-storage', 'image', 'compute', 'network'...),
   * so its URL grammar, list semantics and resource types are that API's. Default: none
   */
  apis?: Record<string, string>;
}

/** The options checked and filled in. */
export interface ParsedClientOptions extends Omit<TunableValues<typeof CLIENT_TUNABLES>, 'interface' | 'placement'> {
  authUrl: string;
  credentials: ServiceCredentials | undefined;
  store: Store;
  /** True when the client made the store (then it closes it) */
  ownStore: boolean;
  ca: string[] | undefined;
  logger: Logger;
  interface: EndpointInterface;
  region: string | undefined;
  proxyId: string;
  serviceProviders: string[] | undefined;
  endpointPolicy: EndpointPolicy;
  placement: PlacementPolicy;
  targetMetadata: Record<string, TargetMetadata>;
  sharedStorage: EngineSettings['sharedStorage'];
  /** The official API of each catalog type of the operator's own */
  apis: Record<string, string>;
}

const OTHERS = ['authUrl', 'credentials', 'store', 'ca', 'logger', 'region', 'proxyId', 'serviceProviders', 'endpointPolicy', 'virtualRegionNames', 'placement', 'targetMetadata', 'sharedStorage', 'apis'];
const KNOWN = [...Object.keys(CLIENT_TUNABLES), ...OTHERS];
const WHERE = 'k2kClient';

/**
 * Validates k2kClient's options, naming the offending one, and fills in defaults. With no authUrl,
 * the Keystone, the client's own user and the CAs come from the OpenStack environment `env`, as
 * keystoneAuth reads it.
 */
export function parseClientOptions(input: K2KClientOptions, env: NodeJS.ProcessEnv = process.env): ParsedClientOptions {
  const options = requireObject(input, `${WHERE} options`);
  rejectUnknownKeys(options, KNOWN, WHERE);
  // A placement function is an option too; the table checks the named policies.
  const placementFunction = typeof options.placement === 'function' ? (options.placement as PlacementPolicy) : undefined;
  const tuned = readTunables({ ...options, ...(placementFunction && { placement: undefined }) }, CLIENT_TUNABLES, WHERE);
  const endpointInterface = normalizeInterface(tuned.interface);
  if (!endpointInterface) throw new OptionError(`${WHERE}.interface`, `must be public, internal or admin (publicURL style accepted), got ${JSON.stringify(tuned.interface)}`);
  const fromEnvironment = options.authUrl === undefined ? authFromEnvironment(env, `configure ${WHERE} from the environment (or give authUrl)`) : undefined;
  const proxyId = parseProxyId(options.proxyId, `${WHERE}.proxyId`);
  const given = options.store === undefined ? undefined : storeOption(options.store, `${WHERE}.store`);
  const serviceProviders = options.serviceProviders === undefined ? undefined : requireStringList(options.serviceProviders, `${WHERE}.serviceProviders`);
  return {
    ...tuned,
    authUrl: fromEnvironment?.authUrl ?? requireString(options.authUrl, `${WHERE}.authUrl`),
    credentials: options.credentials === undefined ? fromEnvironment?.serviceAuth : parseCredentials(options.credentials, `${WHERE}.credentials`),
    store: given ?? createStore(),
    ownStore: given === undefined,
    ca: options.ca === undefined ? fromEnvironment?.ca : caOption(options.ca, `${WHERE}.ca`),
    logger: options.logger === undefined ? silentLogger : loggerOption(options.logger, `${WHERE}.logger`),
    interface: endpointInterface,
    region: options.region === undefined ? undefined : requireString(options.region, `${WHERE}.region`),
    proxyId,
    serviceProviders,
    endpointPolicy: parseEndpointPolicy(
      options.endpointPolicy,
      `${WHERE}.endpointPolicy`,
      options.virtualRegionNames === undefined ? {} : parseVirtualRegionNames(options.virtualRegionNames, `${WHERE}.virtualRegionNames`),
    ),
    placement: placementFunction ?? tuned.placement,
    targetMetadata: options.targetMetadata === undefined ? {} : parseTargetMetadata(options.targetMetadata, `${WHERE}.targetMetadata`),
    sharedStorage: parseSharedStorage(options.sharedStorage, `${WHERE}.sharedStorage`, { localName: tuned.localName, serviceProviders }),
    apis: parseApis(options.apis, `${WHERE}.apis`),
  };
}

/** `{ 'volume-gold': 'volumev3' }`: each catalog type's official API (aliases accepted). */
function parseApis(value: unknown, option: string): Record<string, string> {
  if (value === undefined) return {};
  return Object.fromEntries(
    Object.entries(requireObject(value, option)).map(([serviceType, api]) => {
      const type = requireString(api, `${option}.${serviceType}`);
      if (!isKnownServiceType(type)) throw new OptionError(`${option}.${serviceType}`, `must be an official service type such as block-storage, image, compute or network (aliases accepted), got ${JSON.stringify(type)}`);
      return [serviceType, officialServiceType(type)];
    }),
  );
}

