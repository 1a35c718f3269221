/** `routing` and `region_metadata`: learned locations, search, merged lists, placement, and what placement knows of each target. */
import { Type } from '@sinclair/typebox';
import { FORWARD_TUNABLES, PLACEMENT_POLICIES } from '@k2k/k2k-forward';
import { boundedKey, flagKey, integerKey } from '../package-tunables.js';
import { closed, flag, list, map, oneOf, text } from './helpers.js';

const resourceTypes = (description: string) =>
  map(list(text(), { errorMessage: 'must be a list of resource types, e.g. [volumes, snapshots]' }), {
    default: {},
    description,
    'x-default-text': "OpenStack's",
  });

export const Routing = closed(
  {
    learn: flagKey(FORWARD_TUNABLES, 'learn'),
    search_by_broadcast: flag(FORWARD_TUNABLES.search.default, FORWARD_TUNABLES.search.description),
    aggregation: flag(FORWARD_TUNABLES.aggregate.default, FORWARD_TUNABLES.aggregate.description),
    aggregated_resource_types: resourceTypes(
      'per mounted service type, the resource types whose lists are merged; default: volumes, snapshots, backups; images; servers; networks, subnets, ports, routers, floatingips, security-groups',
    ),
    page_limit: integerKey(FORWARD_TUNABLES, 'pageLimit'),
    list_body_limit_bytes: integerKey(FORWARD_TUNABLES, 'listBodyLimitBytes'),
    resource_types: resourceTypes(
      'per mounted service type, the resource types learned and searched, e.g. `{volumev3: [volumes, snapshots]}`; default: volumes, snapshots, backups, groups, group_snapshots, attachments; images; servers; networks, subnets, ports, routers, floatingips, security-groups',
    ),
    learn_list_limit: integerKey(FORWARD_TUNABLES, 'learnListLimit'),
    location_ttl_seconds: integerKey(FORWARD_TUNABLES, 'locationTtlSeconds'),
    absent_ttl_seconds: integerKey(FORWARD_TUNABLES, 'absentTtlSeconds'),
    probe_timeout_ms: boundedKey(
      FORWARD_TUNABLES,
      'probeTimeoutMs',
      'upstream.timeout_seconds',
      'each search probe; a cloud slower than this counts as not answering (at most `upstream.timeout_seconds`)',
    ),
    max_searches_per_caller: integerKey(FORWARD_TUNABLES, 'maxSearchesPerCaller'),
    shared_storage: list(
      list(text(), {
        minItems: 2,
        maxItems: 2,
        errorMessage: 'must be a pair of clouds, e.g. [default, sp1]',
      }),
      {
        default: [],
        description:
          'cloud pairs that share storage, by name (`local.name` or SP ids), e.g. `[[default, sp1]]`: a volume held by one may be attached to a server of the other (a volume attachment, a server booted from that volume, Cinder\'s attachment for Nova); without it such a request is refused with 409, as naming resources of two clouds',
      },
    ),
    placement: oneOf(PLACEMENT_POLICIES, {
      default: FORWARD_TUNABLES.placement.default,
      description:
        'where a create (`POST` on a collection) with no routing header, `name@sp` or virtual region goes: `local`, `spread`, `headroom`, `fastest` or `cheapest` (see "Discovery and placement" below)',
    }),
  },
  { default: {}, description: 'routing rules 3-5 of DESIGN.md: learned locations, search, merged lists, placement' },
);

export const RegionMetadata = closed({
  cost: Type.Optional(
    Type.Number({
      minimum: 0,
      description: 'a relative price, a number >= 0, lower is cheaper (the unit is yours, the same for every target); a target without one comes last for `cheapest`',
    }),
  ),
  sla: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'the committed availability in percent (0-100)' })),
  location: Type.Optional(text({ description: 'where the cloud is, free text' })),
  labels: Type.Optional(map(text(), { description: 'free labels, name -> text' })),
});
