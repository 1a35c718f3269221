import type { KeystoneIdentity, ServiceProvider } from '@k2k/common';
import type { CloudAddress, Destination } from '../execute/cloud-address.js';
import { parseApiRequest, type ApiRequest } from '../parse/parse-request.js';
import type { RemoteSession } from '../execute/remote-session.js';
import { limitsApiOf, limitsPath, quotaFromLimits, type LimitsApi, type Quota } from './quota.js';

/** Who asks, and as whom: enough to reach a cloud for them. */
export interface Asker {
  identity: KeystoneIdentity | undefined;
  userToken: string | undefined;
  requestId: string;
}

/** What the quota reader needs from the rest of the engine. */
export interface QuotaPorts {
  /** The caller's session at a service provider (the K2K exchange, cached) */
  session(asker: Asker, serviceProvider: ServiceProvider): Promise<RemoteSession>;
  /** Where `request` goes at `destination`, and with which token; undefined for the local cloud when it has no upstream */
  address(destination: Destination, request: ApiRequest, userToken: string): CloudAddress | undefined;
  /** A bounded GET of that address */
  read(address: CloudAddress, asker: Asker): Promise<{ status: number; body: Buffer }>;
}

/**
 * The caller's project quotas at a cloud, from the service's own absolute limits (Cinder's and
 * Nova's `/limits`), asked with the caller's token there (the SP's own K2K token at an SP). Not
 * known (undefined) when the service tells none, or the caller has no session there, or the whole
 * read (the K2K exchange when one is needed, then the limits) takes longer than `timeoutMs`:
 * placement then ranks that cloud as of unknown headroom.
 */
export class QuotaReader {
  private readonly api: LimitsApi | undefined;

  constructor(
    resourceTypes: readonly string[],
    private readonly ports: QuotaPorts,
    private readonly timeoutMs: number,
  ) {
    this.api = limitsApiOf(resourceTypes);
  }

  /** The quotas at the local cloud (no `serviceProvider`) or at an SP, for the caller's project. */
  async read(asker: Asker, serviceProvider: ServiceProvider | undefined, session?: RemoteSession): Promise<Quota | undefined> {
    const projectId = asker.identity?.project?.id;
    const { api } = this;
    if (!projectId || !api) return undefined;
    // The deadline covers the K2K exchange too: a quota not known in time is not known.
    return withTimeout(this.readLimits(api, projectId, asker, serviceProvider, session).catch(() => undefined), this.timeoutMs);
  }

  private async readLimits(api: LimitsApi, projectId: string, asker: Asker, serviceProvider: ServiceProvider | undefined, session: RemoteSession | undefined): Promise<Quota | undefined> {
    const destination: Destination = serviceProvider
      ? { kind: 'remote', serviceProvider, session: session ?? (await this.ports.session(asker, serviceProvider)) }
      : { kind: 'local' };
    const address = this.ports.address(destination, parseApiRequest('GET', limitsPath(api, projectId), projectId), asker.userToken ?? '');
    if (!address) return undefined;
    const answer = await this.ports.read(address, asker);
    if (answer.status < 200 || answer.status >= 300) return undefined;
    return quotaFromLimits(api, JSON.parse(answer.body.toString('utf8')));
  }
}

/** The promise's value, or undefined once `ms` have passed (the exchange and the read themselves end at their own timeouts). */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
