/**
 * The gateway's config file, every key (README "Every key", DESIGN.md "Gateway configuration"):
 * the one schema its types, its defaults, the editor's JSON Schema (schema/gateway-config.schema.json)
 * and the README's table of keys all come from. TypeBox's Value module fills the defaults in and
 * checks a file against it (config.ts, beside it); the rules a JSON Schema cannot say are code, after it
 * (config-rules.ts and the module of each area). The keys of each section are in schema/, one module
 * per area, with the building blocks they share (schema/helpers.ts).
 *
 * A key with a `default` is listed as required here: it is always there once the defaults are
 * filled in, which is what `ConfigFile` describes. The editor's JSON Schema drops those from
 * `required`, since a file may leave them out (scripts/config-docs.ts).
 *
 * A secret is `writeOnly`: errors never show its value. Annotations beyond JSON Schema's own:
 * `errorMessage` says what a node must be where the generic wording would not (config-errors.ts);
 * `x-default-text` is the README's default column for a key whose default is not a fixed value;
 * `x-key-name` names the keys of a map in the README (`service_provider_settings.<sp>`).
 */
import { Type, type Static } from '@sinclair/typebox';
import { EndpointPolicy } from './schema/endpoint-policy.js';
import { closed, list, map, oneOf, text } from './schema/helpers.js';
import { Keystone, Local } from './schema/keystone.js';
import { AdminListen, Drain, Listen } from './schema/listeners.js';
import { RegionMetadata, Routing } from './schema/routing.js';
import { Reseller, ServiceProviderSettings, Sync } from './schema/service-providers.js';
import { Store } from './schema/store.js';
import { Tls, Upstream } from './schema/upstream.js';
import { VirtualRegion } from './schema/virtual-region.js';

export const ConfigFileSchema = closed(
  {
    listen: Listen,
    admin_listen: Type.Optional(AdminListen),
    drain: Drain,
    upstream: Upstream,
    tls: Tls,
    workers: Type.Integer({ minimum: 1, maximum: 64, default: 1, description: 'worker processes (1-64). More than 1 needs `store.backend` memcached or tiered' }),
    keystone: Keystone,
    local: Local,
    service_providers: Type.Union([Type.Literal('auto'), list(text(), { minItems: 1 })], {
      default: 'auto',
      errorMessage: 'must be auto or a list of service provider ids',
      description: '`auto`: every SP the IdP lists in the user\'s token; or a list of SP ids: only those are allowed (others get 400)',
    }),
    mounts: map(text(), {
      minProperties: 1,
      errorMessage: 'must mount at least one service, e.g. {/volume: volumev3}',
      description:
        "mount path -> service type, e.g. `{/volume: volumev3, /image: image}`; each type needs a `local.endpoints` entry; `/healthz` and `/metrics` are the gateway's own",
    }),
    service_apis: map(text(), {
      default: {},
      errorMessage: 'must map a mounted service type to an official one, e.g. {volume-gold: block-storage}',
      description:
        "per mounted service type of your own (a catalog type that is no official type or alias, e.g. a second Cinder as `volume-gold`): the official type whose API it serves (`block-storage`, `image`, `compute`, `network`...), so its URL grammar, list semantics and default resource types are that API's",
      'x-default-text': 'none',
    }),
    catalog_types: map(list(text(), { minItems: 1 }), {
      default: {},
      errorMessage: 'must map a mounted service type to a list of catalog types, e.g. {volume-gold: [volumev3]}',
      description:
        "per mounted service type: the catalog types `k2k-gateway catalog register` registers that mount's endpoint under in every virtual region, in place of the mounted type (which is still the type looked up in the SP's catalog), e.g. `{volume-gold: [volumev3]}` for clients that look up only official types (Horizon: `volumev3`, `image`, `compute`, `network`)",
      'x-default-text': "the mount's own type",
    }),
    virtual_regions: Type.Optional(
      Type.Union([Type.Literal('auto'), list(VirtualRegion)], {
        errorMessage: 'must be auto or a list of {sp, region, name, project_name, project_domain_name, token}',
        description:
          '`auto`: a virtual region per service provider the IdP lists (those `service_providers` allows), found when each worker starts; or a list of the items below. Each mounts `/<name><mount>` for every mount, pinned to its SP',
        'x-default-text': 'none',
      }),
    ),
    public_url: Type.Optional(
      text({
        description:
          "the URL clients reach the gateway at, e.g. `https://gw.example.com`; each mount's links in answers are this plus the mount path. Without it: the scheme of the client's connection and its `Host` header. Set it behind a load balancer that terminates TLS or changes the host (`X-Forwarded-*` is not trusted)",
        'x-default-text': 'from each request',
      }),
    ),
    store: Store,
    routing: Routing,
    region_metadata: map(RegionMetadata, {
      'x-key-name': 'name',
      default: {},
      description:
        "the operator's word on each target, by the local cloud's `local.name` or an SP id: `{sp1: {cost: 1, sla: 99.9, location: \"eu-west, Frankfurt\", labels: {tier: gold}}}`; shown in `GET /k2k/v1/regions`, used by `cheapest`",
      'x-default-text': 'none',
    }),
    endpoint_policy: EndpointPolicy,
    service_provider_settings: map(ServiceProviderSettings, {
      'x-key-name': 'sp',
      default: {},
      description: 'per SP id: whose identity its K2K exchange carries, and what `k2k-gateway sync` does there',
      'x-default-text': 'none',
    }),
    reseller: Type.Optional(Reseller),
    sync: Type.Optional(Sync),
    log_level: oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], {
      default: 'info',
      description: '`trace`, `debug`, `info`, `warn`, `error`, `fatal` or `silent`',
    }),
  },
  { title: 'k2k gateway configuration', description: 'The config file of the k2k gateway (packages/gateway, `k2k-gateway --config FILE`), in YAML or JSON.' },
);

/** A config file once its defaults are filled in and it passed the schema. */
export type ConfigFile = Static<typeof ConfigFileSchema>;
