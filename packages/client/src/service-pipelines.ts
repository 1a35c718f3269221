import type { EventEmitter } from 'node:events';
import type { EndpointInterface } from '@k2k/common';
import type { KeystoneClient } from '@k2k/keystone';
import { createPipeline, DEFAULT_AGGREGATED_TYPES, DEFAULT_RESOURCE_TYPES, endpointRoot, sumForwardStats, type EngineSettings, type ForwardStats, type Pipeline } from '@k2k/engine';
import type { ParsedClientOptions } from './options.js';

/** Which engine pipeline serves a call: the service, its local endpoint, and the interface and region at service providers. */
export interface PipelineChoice {
  /** The service's catalog type: an official one, or one of the operator's own (its API from the `apis` option) */
  serviceType: string;
  /** The local endpoint from the caller's catalog: where calls that stay local go */
  localEndpoint: URL;
  interface: EndpointInterface;
  /** At service providers; absent: the first region with the service */
  region: string | undefined;
}

/**
 * The client's engine pipelines, one per choice, made on first use and kept (a catalog has few
 * endpoints). Each is the engine k2kForward runs, with the same store layout: what one learns, the
 * other uses. Calls that stay local go to the local endpoint; links in answers point below its root.
 */
export class ServicePipelines {
  private readonly pipelines = new Map<string, Pipeline>();

  constructor(
    private readonly options: ParsedClientOptions,
    private readonly events: EventEmitter,
    private readonly keystone: KeystoneClient,
  ) {}

  /** Whether the engine knows the resources of this service: its API's (OpenStack's own, or the one `apis` names) */
  knows(serviceType: string): boolean {
    return DEFAULT_RESOURCE_TYPES[this.apiOf(serviceType)] !== undefined;
  }

  /** The official API a catalog type speaks: the `apis` option's, else its own */
  private apiOf(serviceType: string): string {
    return this.options.apis[serviceType] ?? serviceType;
  }

  for(choice: PipelineChoice): Pipeline {
    const key = `${choice.serviceType}\n${choice.localEndpoint.href}\n${choice.interface}\n${choice.region ?? ''}`;
    let pipeline = this.pipelines.get(key);
    if (!pipeline) this.pipelines.set(key, (pipeline = createPipeline(this.settings(choice), this.events, this.keystone)));
    return pipeline;
  }

  stats(): ForwardStats {
    return sumForwardStats([...this.pipelines.values()].map((pipeline) => pipeline.stats()));
  }

  async close(): Promise<void> {
    await Promise.all([...this.pipelines.values()].map((pipeline) => pipeline.close()));
  }

  private settings(choice: PipelineChoice): EngineSettings {
    // What only the client itself uses stays out of the engine's settings.
    const { identityCacheTtlSeconds: _identityTtl, credentials: _credentials, ownStore: _ownStore, apis: _apis, ...engine } = this.options;
    const api = this.apiOf(choice.serviceType);
    const publicUrl = new URL(choice.localEndpoint.origin);
    publicUrl.pathname = endpointRoot(choice.localEndpoint.pathname);
    return {
      ...engine,
      serviceType: choice.serviceType,
      api,
      interface: choice.interface,
      region: choice.region,
      local: { kind: 'upstream', template: choice.localEndpoint },
      publicUrl,
      pin: undefined,
      identity: {},
      reseller: undefined,
      serviceToken: undefined,
      resourceTypes: [...(DEFAULT_RESOURCE_TYPES[api] ?? [])],
      aggregateResourceTypes: [...(DEFAULT_AGGREGATED_TYPES[api] ?? [])],
    };
  }
}
