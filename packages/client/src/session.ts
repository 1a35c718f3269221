import { officialServiceType, normalizeInterface } from '@k2k/keystone';
import { OptionError, requireObject, requireString, type KeystoneIdentity } from '@k2k/common';
import { ServiceClient, type Caller } from './service-client.js';
import type { ServicePipelines } from './service-pipelines.js';
import type { ParsedClientOptions } from './options.js';

/** Which endpoint `.service()` uses at the local cloud. */
export interface ServiceOptions {
  /** public, internal or admin (publicURL style accepted); also the interface at service providers. Default: the client's `interface` option */
  interface?: string;
  /** The local endpoint's region. Default: the first region with the service */
  region?: string;
}

/** One caller (keystoneauth1's Session): its token, and a client for each service it calls. */
export class ClientSession {
  constructor(
    private readonly caller: Caller,
    private readonly options: ParsedClientOptions,
    private readonly pipelines: ServicePipelines,
  ) {}

  /** The caller as the local Keystone confirms it (cached in the store, as a gateway caches it). */
  async identity(): Promise<KeystoneIdentity> {
    return this.caller.identity(await this.caller.token());
  }

  /** A client for `serviceType` ('volumev3', 'block-storage', 'image'...: aliases accepted). */
  service(serviceType: string, options: ServiceOptions = {}): ServiceClient {
    const given = requireObject(options, 'service options');
    const wanted = given.interface === undefined ? this.options.interface : normalizeInterface(requireString(given.interface, 'service options.interface'));
    if (!wanted) throw new OptionError('service options.interface', `must be public, internal or admin (publicURL style accepted), got ${JSON.stringify(given.interface)}`);
    return new ServiceClient(this.caller, {
      serviceType: officialServiceType(requireString(serviceType, 'serviceType')),
      interface: wanted,
      region: given.region === undefined ? undefined : requireString(given.region, 'service options.region'),
      remoteRegion: this.options.region,
    }, this.pipelines);
  }
}
