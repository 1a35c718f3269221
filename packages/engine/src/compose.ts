import type { EventEmitter } from 'node:events';
import { KeystoneClient } from '@k2k/keystone';
import type { ServiceProvider } from '@k2k/common';
import { Aggregator } from './aggregate/aggregate.js';
import { MarkerLocations } from './aggregate/marker-location.js';
import { AnswerLinks } from './answer/answer-links.js';
import type { Call } from './call.js';
import { CloudAddresses, destinationName, type CloudAddress, type Destination } from './execute/cloud-address.js';
import { Executor } from './execute/execute.js';
import { ProjectIds } from './execute/project-ids.js';
import { HeaderPolicy } from './execute/outgoing-headers.js';
import { RemoteSessions, type ExchangeEvent } from './execute/remote-session.js';
import { Upstream } from './execute/upstream.js';
import { Learner } from './learn/learn.js';
import { Locator, type ProbeEvent, type SearchEvent } from './learn/locate.js';
import { Locations, type LocationEvent } from './learn/locations.js';
import { ResourceTypes } from './learn/resource-types.js';
import { Candidates } from './place/candidates.js';
import { TargetDescriber } from './place/describe-targets.js';
import { HealthTracker } from './place/health.js';
import { Placer, type PlacementEvent } from './place/place.js';
import { QuotaReader, type Asker } from './place/quota-reader.js';
import { Pipeline } from './pipeline.js';
import { routingRules } from './route/rules.js';
import type { EngineSettings } from './settings.js';

/**
 * The engine for one service at one Keystone: its collaborators built from `settings`, wired into
 * a pipeline. Every event goes out on `events` ('exchange', 'location', 'probe', 'search',
 * 'placement'; the pipeline adds 'forward'). `keystone`: a client to share (its owner closes it);
 * absent: one of the engine's own.
 */
export function createPipeline(settings: EngineSettings, events: EventEmitter, keystone?: KeystoneClient): Pipeline {
  const idp = keystone ?? new KeystoneClient({ authUrl: settings.authUrl, timeoutMs: settings.keystoneTimeoutMs, ...(settings.ca && { ca: settings.ca }) });
  const headers = new HeaderPolicy(settings.proxyId, settings.identity);
  let serviceToken = settings.serviceToken;
  const sessions = new RemoteSessions(idp, settings.store, settings.tokenSafetyMarginSeconds, settings.keystoneTimeoutMs, (event: ExchangeEvent) => events.emit('exchange', event), {
    modeOf: (serviceProvider) => (headers.resells(serviceProvider) ? 'reseller' : 'user'),
    ...(settings.reseller && { reseller: settings.reseller }),
    get serviceToken() {
      return serviceToken;
    },
  });
  const upstream = new Upstream(settings.timeoutMs, settings.probeTimeoutMs, settings.ca);
  const resources = new ResourceTypes(settings.resourceTypes);
  // Keyed by the API, not the catalog's type: a resource another mount's rule names (a server's
  // image) is found whatever type of the operator's own (service_apis) that mount has.
  const locations = new Locations(settings.store, settings.api, settings.locationTtlSeconds, settings.absentTtlSeconds, (event: LocationEvent) => events.emit('location', event));
  const localUpstream = settings.local.kind === 'upstream' ? settings.local.template : undefined;
  const addresses = new CloudAddresses(localUpstream, { serviceType: settings.serviceType, interface: settings.interface, region: settings.region });
  /** Where a search probes: the resource itself, without the action or query. */
  const resourceAt = (call: Call, destination: Destination): CloudAddress | undefined =>
    destination.kind === 'local' && (!localUpstream || !call.userToken) ? undefined : addresses.of(destination, call.request, call.userToken ?? '', call.request.resourcePath, '');
  const locator = new Locator(
    { resourceAt, probe: (address, call) => upstream.probe(address.url, headers.read(address, call), address.where, settings.jsonBodyLimitBytes) },
    sessions,
    locations,
    resources,
    {
      maxSearchesPerCaller: settings.maxSearchesPerCaller,
      logger: settings.logger,
      onProbe: (event: ProbeEvent) => events.emit('probe', event),
      onSearch: (event: SearchEvent) => events.emit('search', event),
    },
  );
  const health = new HealthTracker(settings.store, settings.serviceType);
  const projectIds = new ProjectIds(settings.api, idp, settings.projectLinkTag, settings.jsonBodyLimitBytes, settings.logger);
  const executor = new Executor(upstream, sessions, locator, locations, addresses, projectIds, {
    localUpstream: localUpstream !== undefined,
    search: settings.search,
    outgoingHeaders: (call, destination) => headers.outgoing(call, destination),
    observe: (destination, ok, latencyMs) => health.record(destinationName(destination) ?? settings.localName, ok, latencyMs),
  });
  const sessionFor = (asker: Asker, serviceProvider: ServiceProvider) =>
    sessions.get({ userToken: asker.userToken ?? '', serviceProvider, callerProjectName: asker.identity?.project?.name, callerProjectId: asker.identity?.project?.id });
  const quotas = new QuotaReader(
    settings.resourceTypes,
    {
      session: sessionFor,
      address: (destination, request, userToken) => (destination.kind === 'local' && !localUpstream ? undefined : addresses.of(destination, request, userToken)),
      read: (address, asker) => upstream.read(address.url, headers.ownRead(address, asker.requestId), address.where, settings.jsonBodyLimitBytes),
    },
    settings.probeTimeoutMs,
  );
  // 'local' places nothing: no placer, and no rule that makes 'place' targets.
  const placer =
    settings.placement === 'local'
      ? undefined
      : new Placer(
          { policy: settings.placement, serviceType: settings.serviceType, bodyLimitBytes: settings.jsonBodyLimitBytes },
          resources,
          new Candidates(settings.localName, health, quotas, settings.targetMetadata),
          health,
          (call, target, progress) => executor.execute(call, target, progress),
          (event: PlacementEvent) => events.emit('placement', event),
        );
  const links = new AnswerLinks(addresses, settings.publicUrl, settings.jsonBodyLimitBytes, settings.logger);
  const markers = new MarkerLocations(locations, settings.search ? locator : undefined, settings.learn);
  const aggregator = new Aggregator(
    settings.store,
    {
      session: (call, serviceProvider) => sessionFor(call, serviceProvider),
      address: (call, destination, rest, query) => addresses.of(destination, call.request, call.userToken ?? '', rest, query),
      read: (address, call) => upstream.read(address.url, headers.read(address, call), address.where, settings.listBodyLimitBytes),
      links: (call, destination) => links.of(call, destination).map,
    },
    { serviceType: settings.serviceType, api: settings.api, localName: settings.localName, pageLimit: settings.pageLimit, bodyLimitBytes: settings.listBodyLimitBytes },
    (call, id, candidates) => markers.find(call, id, candidates),
  );
  const rules = routingRules(
    {
      serviceType: settings.api,
      pin: settings.pin,
      places: placer !== undefined,
      learn: settings.learn,
      search: settings.search,
      // Merging needs the local cloud's list too: only in front of a local upstream.
      aggregateResourceTypes: settings.aggregate && localUpstream ? settings.aggregateResourceTypes : [],
      jsonBodyLimitBytes: settings.jsonBodyLimitBytes,
      sharedStorage: settings.sharedStorage,
    },
    resources,
    locations,
  );
  return new Pipeline(settings, events, {
    rules,
    resources,
    executor,
    placer,
    aggregator,
    links,
    learner: settings.learn ? new Learner(locations, resources, settings.learnListLimit) : undefined,
    describer: new TargetDescriber(settings.serviceType, settings.localName, { session: sessionFor }, health, quotas, settings.targetMetadata),
    adoptServiceToken: (given) => {
      serviceToken ??= given;
    },
    stats: () => ({ ...sessions.stats(), locations: locations.stats() }),
    close: async () => {
      await health.close();
      upstream.close();
      if (!keystone) await idp.close();
    },
  });
}
