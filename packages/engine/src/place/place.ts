import { certificateFailure, OpenStackError, type ServiceProvider } from '@k2k/common';
import type { Call } from '../call.js';
import type { Delivery, Progress } from '../execute/execute.js';
import type { ResourceTypes } from '../learn/resource-types.js';
import { readJsonBody } from '../parse/request-body.js';
import type { SingleTarget } from '../route/target.js';
import type { Candidates } from './candidates.js';
import type { HealthTracker } from './health.js';
import type { PlacementCandidate, PlacementPolicy, PlacementRequest } from './policy.js';
import { demandOf } from './quota.js';
import { rank } from './rank.js';

/**
 * A placement, for metrics: `policy` is the built-in policy's name, or 'function'; `skipped` the
 * candidates tried first that could not be reached before the create was sent.
 */
export type PlacementEvent =
  /** The create was placed at `target`: the SP id or the local cloud's name */
  | { policy: string; target: string; skipped: string[] }
  /** No candidate could be reached (502): nothing was placed */
  | { policy: string; failed: true; skipped: string[] };

/**
 * Connection errors that mean no byte of the request reached the upstream: only failures to
 * establish a connection (and a certificate refused during the TLS handshake). EHOSTUNREACH or ENETUNREACH can also end a reused keep-alive socket after
 * the request was written, so they do not count.
 */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

export interface PlacerSettings {
  /** 'local' places nothing: a mount with it has no Placer */
  policy: Exclude<PlacementPolicy, 'local'>;
  serviceType: string;
  bodyLimitBytes: number;
}

/**
 * Places a create that names no cloud (DESIGN "Discovery and placement"): asks the policy for the
 * candidates in order, then sends the create to the first that can be reached. A cloud that fails
 * before the create left (no session there, no endpoint, connection refused) is skipped for the
 * next; once the create may have reached a cloud (sent, then a timeout, a reset or any answer), that
 * is the outcome: it is never sent elsewhere, so nothing is created twice.
 */
export class Placer {
  private turn = 0;

  constructor(
    private readonly settings: PlacerSettings,
    private readonly resources: ResourceTypes,
    private readonly candidates: Candidates,
    private readonly health: HealthTracker,
    private readonly execute: (call: Call, target: SingleTarget, progress: Progress) => Promise<Delivery>,
    private readonly onPlacement: (event: PlacementEvent) => void,
  ) {}

  async place(call: Call, serviceProviders: readonly ServiceProvider[]): Promise<Delivery> {
    const { policy } = this.settings;
    const resourceType = call.request.resourceType ?? '';
    const created = this.resources.createdObject(await readJsonBody(call.req, this.settings.bodyLimitBytes), resourceType);
    const request: PlacementRequest = { serviceType: this.settings.serviceType, resourceType, projectId: call.identity?.project?.id ?? '', created };
    const demand = demandOf(resourceType, created);
    const needsQuota = policy === 'headroom' || policy === 'cheapest' || typeof policy === 'function';
    const asker = { identity: call.identity, userToken: call.userToken, requestId: call.upstreamRequestId };
    const candidates = await this.candidates.of(asker, serviceProviders, demand, needsQuota);
    const order = await this.order(request, candidates);
    const skipped: string[] = [];
    const why: string[] = [];
    for (const candidate of order) {
      const progress: Progress = { sent: false };
      const target: SingleTarget =
        candidate.kind === 'local'
          ? { kind: 'local', reason: `placed by the ${this.policyName()} policy` }
          : { kind: 'remote', serviceProvider: serviceProviders.find((sp) => sp.id === candidate.name) as ServiceProvider, reason: `placed by the ${this.policyName()} policy` };
      try {
        const delivery = await this.execute(call, target, progress);
        this.onPlacement({ policy: this.policyName(), target: candidate.name, skipped });
        return delivery;
      } catch (error) {
        if (progress.sent && !neverConnected(error)) throw error;
        // Not sent: the next candidate. A cloud that failed (not one that refused the caller) counts against its health.
        if (!progress.sent && !(error instanceof OpenStackError && error.status < 500)) this.health.record(candidate.name, false, undefined);
        skipped.push(candidate.name);
        why.push(`${candidate.name} (${error instanceof OpenStackError ? error.message : 'unreachable'})`);
      }
    }
    if (order.length === 0) throw new OpenStackError(413, `No cloud you may use has quota left for this ${singular(resourceType)} (${candidates.map((c) => c.name).join(', ')}).`);
    this.onPlacement({ policy: this.policyName(), failed: true, skipped });
    throw new OpenStackError(502, `Could not place the ${singular(resourceType)}: no cloud could be reached: ${why.join('; ')}.`);
  }

  /** The candidates in the order to try them. */
  private async order(request: PlacementRequest, candidates: PlacementCandidate[]): Promise<PlacementCandidate[]> {
    const { policy } = this.settings;
    if (typeof policy !== 'function') return rank(policy, candidates, this.turn++);
    const chosen = await policy(request, candidates);
    const names = chosen === undefined ? [] : typeof chosen === 'string' ? [chosen] : [...chosen];
    if (names.length === 0) return candidates.slice(0, 1);
    return names.map((name) => {
      const found = candidates.find((candidate) => candidate.name === name);
      if (!found) throw new OpenStackError(500, `The placement function chose "${name}", which is not one of the clouds this caller may use (${candidates.map((c) => c.name).join(', ')}).`);
      return found;
    });
  }

  private policyName(): string {
    return typeof this.settings.policy === 'function' ? 'function' : this.settings.policy;
  }
}

function neverConnected(error: unknown): boolean {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  const code = (cause as { code?: unknown } | undefined)?.code;
  // A certificate refused in the TLS handshake: the request was never written either.
  return (typeof code === 'string' && NEVER_CONNECTED.has(code)) || certificateFailure(cause) !== undefined;
}

function singular(resourceType: string): string {
  return resourceType.replace(/s$/, '') || 'resource';
}
