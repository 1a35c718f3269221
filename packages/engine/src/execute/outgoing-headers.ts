import { IDENTITY_HEADERS } from '@k2k/common';
import type { Call } from '../call.js';
import { microversionHeaders } from '../parse/microversion.js';
import { PROXY_LIST_HEADER } from '../parse/proxy-chain.js';
import { ROUTING_HEADERS } from '../parse/routing-headers.js';
import type { CloudAddress, Destination } from './cloud-address.js';
import { anonymousRequestId, CALLER_HEADERS, type IdentityMode } from './reseller.js';

/** Headers that stop here: the caller's routing headers and the identity headers keystoneAuth set. */
const NOT_FORWARDED: ReadonlySet<string> = new Set([...ROUTING_HEADERS, ...IDENTITY_HEADERS]);
/** What no service provider gets either: the caller's other credentials (its token is replaced) */
const NOT_FOR_SERVICE_PROVIDERS: ReadonlySet<string> = new Set([...NOT_FORWARDED, 'x-service-token', 'authorization']);
/** What a reseller SP does not get either: anything naming the caller or their address */
const NOT_FOR_RESELLERS: ReadonlySet<string> = new Set([...NOT_FOR_SERVICE_PROVIDERS, ...CALLER_HEADERS]);

/**
 * The header policy of everything sent to a cloud: the caller's request forwarded, the reads of a
 * search, a merged list or a quota. A reseller SP gets nothing it could correlate with the caller.
 */
export class HeaderPolicy {
  constructor(
    private readonly proxyId: string,
    private readonly identity: Readonly<Record<string, IdentityMode>>,
  ) {}

  /** Whether the K2K exchange with `serviceProvider` carries this service's identity, not the caller's. */
  resells(serviceProvider: string | undefined): boolean {
    return serviceProvider !== undefined && this.identity[serviceProvider] === 'reseller';
  }

  /** The client's headers that do not go to `destination`, and those to set. */
  outgoing(call: Call, destination: Destination): { remove: ReadonlySet<string>; headers: Record<string, string> } {
    // Answers are read for their links: a compressed one would pass with links pointing upstream.
    const headers: Record<string, string> = { 'x-openstack-request-id': call.upstreamRequestId, [PROXY_LIST_HEADER]: call.proxyList, 'accept-encoding': 'identity' };
    if (destination.kind !== 'remote') return { remove: NOT_FORWARDED, headers };
    if (!this.resells(destination.serviceProvider.id)) return { remove: NOT_FOR_SERVICE_PROVIDERS, headers };
    return { remove: NOT_FOR_RESELLERS, headers: { ...headers, ...this.anonymousIds() } };
  }

  /** A read of the caller's (a probe, a list page): its body is read for what it describes, so uncompressed. */
  read(address: CloudAddress, call: Call): Record<string, string> {
    const headers: Record<string, string> = { ...microversionHeaders(call.req.headers), 'x-auth-token': address.token, 'x-openstack-request-id': call.upstreamRequestId, [PROXY_LIST_HEADER]: call.proxyList, accept: 'application/json', 'accept-encoding': 'identity' };
    return this.resells(address.serviceProvider) ? { ...headers, ...this.anonymousIds() } : headers;
  }

  /** A read of this proxy's own for the caller (quotas), outside any request chain. */
  ownRead(address: CloudAddress, requestId: string): Record<string, string> {
    const headers = { 'x-auth-token': address.token, 'x-openstack-request-id': requestId, [PROXY_LIST_HEADER]: this.proxyId, accept: 'application/json' };
    return this.resells(address.serviceProvider) ? { ...headers, ...this.anonymousIds() } : headers;
  }

  /** What a reseller SP gets instead of the caller's request id and proxy chain: nothing it could correlate. */
  private anonymousIds(): Record<string, string> {
    return { 'x-openstack-request-id': anonymousRequestId(), [PROXY_LIST_HEADER]: this.proxyId };
  }
}
