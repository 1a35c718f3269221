/**
 * The gateway's config file, every key (README "Every key", DESIGN.md "Gateway configuration"):
 * the one schema its types, its defaults, the editor's JSON Schema (schema/gateway-config.schema.json)
 * and the README's table of keys all come from. TypeBox's Value module fills the defaults in and
 * checks a file against it (config.ts, beside it); the rules a JSON Schema cannot say are code, after it
 * (config-rules.ts and the module of each area).
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
import { Type, type Static, type TProperties, type TSchema } from '@sinclair/typebox';
import { FORWARD_TUNABLES, PLACEMENT_POLICIES } from '@k2k/k2k-forward';
import { AUTH_TUNABLES } from '@k2k/keystone-auth';
import { STORE_TUNABLES } from '@k2k/store';
import { flagKey, integerKey } from './package-tunables.js';

/** Whole seconds, at most a day: Node's timers overflow past 2^31 ms (about 24.8 days) and then fire at once. */
const MAX_SECONDS = 86_400;
const MAX_MS = MAX_SECONDS * 1000;
const MIN_SECRET_LENGTH = 16;

/** What a node says of itself, beyond its type. */
interface Doc {
  description?: string;
  errorMessage?: string;
  'x-default-text'?: string;
}

/** An object with these keys and no other. */
const closed = <T extends TProperties>(properties: T, options: Doc & { title?: string; default?: object; minProperties?: number; maxProperties?: number } = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });
const text = (options: Doc & { default?: string; pattern?: string; minLength?: number; writeOnly?: boolean } = {}) => Type.String({ minLength: 1, ...options });
const seconds = (minimum: number, options: Doc & { default?: number }) => Type.Integer({ minimum, maximum: MAX_SECONDS, ...options });
const milliseconds = (options: Doc & { default: number }) => Type.Integer({ minimum: 1, maximum: MAX_MS, ...options });
const flag = (defaultValue: boolean, description: string) => Type.Boolean({ default: defaultValue, description });
const oneOf = <const T extends string>(values: readonly T[], options: Doc & { default?: T }) =>
  Type.Enum(Object.fromEntries(values.map((value) => [value, value])) as { [V in T]: V }, options);
const list = <T extends TSchema>(items: T, options: Doc & { default?: unknown[]; minItems?: number } = {}) => Type.Array(items, options);
/** A map from any key (a service type, an SP id...) to `values`. */
const map = <T extends TSchema>(values: T, options: Doc & { default?: object; minProperties?: number; 'x-key-name'?: string } = {}) =>
  Type.Record(Type.String(), values, options);

const INTERFACES = ['public', 'internal', 'admin', 'publicURL', 'internalURL', 'adminURL'] as const;
const endpointInterface = (options: Doc & { default?: (typeof INTERFACES)[number] }) =>
  oneOf(INTERFACES, { errorMessage: 'must be public, internal or admin', ...options });

const username = text({ description: "the user's name (with `application_credential_name`: the user the credential belongs to)" });
const userDomainName = text({ default: 'Default', description: "the user's domain" });

/** A password and the project it logs in to. */
const PasswordLogin = closed({
  username,
  password: text({ description: 'its password', writeOnly: true }),
  user_domain_name: userDomainName,
  project_name: text({ description: 'the project it logs in to' }),
  project_domain_name: text({ default: 'Default', description: "that project's domain" }),
});

/** An application credential, scoped to its project already: by id, or by name with its user (provider-settings.ts: one of the two). */
const ApplicationCredentialLogin = closed({
  application_credential_id: Type.Optional(
    text({
      description:
        'instead of a password: an application credential of the user (`openstack application credential create k2k-gateway`), scoped to its project already, by its id; or `application_credential_name` with `username` (and `user_domain_name`)',
    }),
  ),
  application_credential_name: Type.Optional(text({ description: "the application credential's name, with `username`: instead of `application_credential_id`" })),
  application_credential_secret: text({ description: "the application credential's secret", writeOnly: true }),
  username: Type.Optional(username),
  user_domain_name: userDomainName,
});

const login = (options: Doc) =>
  Type.Union([PasswordLogin, ApplicationCredentialLogin], {
    errorMessage: 'must be {username, password, project_name} or an application credential {application_credential_id, application_credential_secret}',
    ...options,
  });

const Listen = closed(
  {
    host: text({ default: '127.0.0.1', description: 'address to listen on' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 5001, description: 'port (0: any free port)' }),
    request_timeout_seconds: seconds(0, {
      default: 0,
      description:
        "longest a whole request, body included, may take before it is answered 408; 0: no limit, so long uploads are not cut (node's own default, 300 s, cuts a multi-GB image over a WAN)",
    }),
    headers_timeout_seconds: seconds(1, {
      default: 60,
      description: 'longest a client may take to send its request headers; what cuts slowloris clients (1 or more; at most `request_timeout_seconds` when that is set)',
    }),
    keep_alive_timeout_seconds: seconds(1, {
      default: 5,
      description: "an idle keep-alive connection is closed after this long; behind a load balancer, set it above the balancer's idle timeout",
    }),
  },
  { default: {}, description: 'the public listener' },
);

const AdminListen = closed(
  {
    host: text({ default: '127.0.0.1', description: 'its address' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, description: 'its port (0: any free port; not `listen.port`)', 'x-default-text': 'required with `admin_listen`' }),
  },
  { description: 'a second listener that serves `/healthz` and `/metrics` only; they are then not served on the public port', 'x-default-text': 'none' },
);

const Drain = closed(
  {
    grace_seconds: seconds(0, {
      default: 5,
      description: 'after SIGTERM / SIGINT, how long `/healthz` answers 503 while requests are still served, before the listener closes (0: close at once)',
    }),
    timeout_seconds: seconds(0, {
      default: 25,
      description: "then, how long requests in flight get to finish before their connections are cut. With the grace, 30 s: Kubernetes' default termination grace period",
    }),
  },
  { default: {}, description: 'what a stop signal does' },
);

const Tls = closed(
  {
    ca_file: Type.Optional(
      text({
        description:
          "a PEM file of the certificate authorities trusted for https: to Keystone (token validation, K2K exchanges with the IdP and every SP's Keystone, the `catalog` and `sync` commands) and to the services (local and at SPs). It replaces Node's default CAs: add a public CA's certificate too if some of those servers use one. Read when the config is loaded",
        'x-default-text': "Node's default CAs",
      }),
    ),
  },
  { default: {}, description: 'TLS to Keystone and the services' },
);

const Upstream = closed(
  {
    timeout_seconds: seconds(1, {
      default: FORWARD_TUNABLES.timeoutMs.default / 1000,
      description: 'a local service or SP silent this long (no byte) is answered 504; a search probe gets the shorter of this and `routing.probe_timeout_ms`',
    }),
    keystone_timeout_seconds: seconds(1, {
      default: FORWARD_TUNABLES.keystoneTimeoutMs.default / 1000,
      description: 'each Keystone call of a K2K exchange (IdP assertion, SP, scoping)',
    }),
    token_safety_margin_seconds: integerKey(FORWARD_TUNABLES, 'tokenSafetyMarginSeconds'),
    json_body_limit_bytes: integerKey(FORWARD_TUNABLES, 'jsonBodyLimitBytes'),
    proxy_id: Type.Optional(
      text({
        pattern: '^[^,\\s]+$',
        errorMessage: 'must not contain commas or spaces (it goes in MM-PROXY-LIST)',
        description: "this gateway's name in `MM-PROXY-LIST`, the loop guard of chained proxies",
        'x-default-text': 'the host name',
      }),
    ),
  },
  { default: {}, description: 'forwarding, to the local services and to the SPs' },
);

const Keystone = closed(
  {
    auth_url: text({ description: 'the local Keystone (the IdP): an http(s) URL ending in `/v3`, e.g. `http://127.0.0.1:5000/v3`' }),
    service_auth: login({
      description:
        "the gateway's service user, which validates tokens: a password and a project, or an application credential of that user. It needs the `service` role on that project (Keystone's policy `identity:validate_token`; with `member` alone Keystone refuses every validation, 403, and the gateway answers 503; see \"The service user\" below). The same forms work for `keystone.admin_auth` and `service_provider_settings.<sp>.admin_auth`",
    }),
    admin_auth: Type.Optional(
      login({
        description:
          "the same keys as `keystone.service_auth`: the user `k2k-gateway catalog` logs in as, which needs the admin role at the IdP (Keystone's policy for regions and endpoints). The gateway itself never uses it: keep it in a copy of the config that only the operator reads",
        'x-default-text': '`keystone.service_auth`',
      }),
    ),
    timeout_seconds: seconds(1, { default: AUTH_TUNABLES.timeoutMs.default / 1000, description: 'each call to the local Keystone that validates a token or logs the service user in; a Keystone slower than this is answered 503' }),
    cache_ttl_seconds: integerKey(AUTH_TUNABLES, 'cacheTtlSeconds'),
    negative_cache_ttl_seconds: integerKey(AUTH_TUNABLES, 'negativeCacheTtlSeconds'),
    www_authenticate_uri: Type.Optional(
      text({
        pattern: '^https?://',
        errorMessage: 'must be an http or https URL',
        description: 'where clients should authenticate, sent in `WWW-Authenticate` on a 401',
        'x-default-text': '`keystone.auth_url`',
      }),
    ),
    required_roles: Type.Optional(
      closed(
        {
          any_of: Type.Optional(list(text(), { description: 'a caller needs at least one of these roles', minItems: 1 })),
          all_of: Type.Optional(list(text(), { description: 'a caller needs every one of these roles', minItems: 1 })),
        },
        { description: 'roles a caller must have, else 403', 'x-default-text': 'none' },
      ),
    ),
    service_token_roles: list(text(), { description: 'an `X-Service-Token` counts only with one of these roles', minItems: 1, default: ['service'] }),
    region_name: Type.Optional(
      text({
        description: "the region of the SPs' endpoints the gateway uses; a virtual region's own `region` takes its place on that virtual region's mounts",
        'x-default-text': "an SP's first region that has the service",
      }),
    ),
    interface: endpointInterface({ default: 'public', description: 'the endpoint interface used at SPs when a request sends no `ENDPOINT-TYPE`' }),
  },
  { description: 'the local Keystone, the IdP' },
);

const Local = closed(
  {
    name: text({ default: 'default', description: 'what the local cloud is called in logs and metrics' }),
    endpoints: map(text(), {
      description:
        'service type -> URL of the real local service, as in a catalog (`http://host:8776/v3/%(project_id)s`). The request path below the mount (version and project included) goes below the part of that URL before its version segment',
    }),
  },
  { description: 'the real local services behind the gateway' },
);

const VirtualRegion = closed({
  sp: text({ description: "the service provider's id (in `service_providers` when that is a list; not `local.name`); with `token: passthrough`, the target's name" }),
  region: Type.Optional(
    text({ description: "the SP's endpoints in this region; with `token: passthrough`, required: the region of the caller's own catalog", 'x-default-text': "the SP's first" }),
  ),
  name: Type.Optional(
    text({
      description: "the path segment and the catalog region: letters, digits, `_`, `-`, `.`; unique; not the first segment of a mount, `healthz` or `metrics` (with passthrough, not its `region`)",
      'x-default-text': '`<sp>`, or `<sp>.<region>`',
    }),
  ),
  project_name: Type.Optional(text({ description: 'the project at the SP (not with passthrough)', 'x-default-text': "the caller's project name, else the only one" })),
  project_domain_name: Type.Optional(text({ description: "that project's domain (with `project_name`)", 'x-default-text': '`Default`' })),
  token: oneOf(['k2k', 'passthrough'], {
    default: 'k2k',
    description: "`k2k`: a token obtained through K2K; `passthrough`: the caller's own token, for a target that trusts the IdP (another region of the local cloud)",
  }),
});

const secretKey = text({
  minLength: MIN_SECRET_LENGTH,
  writeOnly: true,
  errorMessage: `must be at least ${MIN_SECRET_LENGTH} characters`,
  description:
    'at least 16 characters, the same on every gateway host sharing the servers: cached tokens are protected with it as keystonemiddleware does it. Required for memcached / tiered, unless `insecure_plaintext`; optional for `memory`',
  'x-default-text': 'required for memcached / tiered',
});
const securityStrategy = oneOf(['MAC', 'ENCRYPT'], { default: STORE_TUNABLES.all.securityStrategy.default, description: '`MAC` (HMAC-SHA256) or `ENCRYPT` (AES-256-GCM), used with `secret_key`' });

/** What the memcached and tiered backends share: the servers, their protection and their client's tunables. */
const memcachedKeys = {
  servers: list(text({ pattern: '^[^\\s:]+:\\d+$', errorMessage: 'must be "host:port", e.g. "127.0.0.1:11211"' }), {
    minItems: 1,
    errorMessage: 'must list the memcached servers, e.g. ["127.0.0.1:11211"]',
    description: '`["host:port", ...]`, consistent hashing across them',
    'x-default-text': 'required for memcached / tiered',
  }),
  secret_key: Type.Optional(secretKey),
  security_strategy: securityStrategy,
  insecure_plaintext: flag(
    STORE_TUNABLES.protection.insecurePlaintext.default,
    'memcached / tiered only: `true` runs without `secret_key`, storing tokens unprotected where anyone who can reach memcached can read and use them; each worker logs a warning at start. Not with `secret_key`',
  ),
  timeout_ms: milliseconds({ default: STORE_TUNABLES.memcached.timeoutMs.default, description: 'memcached / tiered: the deadline of each store operation; a later answer counts as a miss' }),
  dead_server_retry_ms: milliseconds({ default: STORE_TUNABLES.memcached.deadServerRetryMs.default, description: 'memcached / tiered: how long a server that failed (refused, reset, or 3 timeouts in a row) is skipped before it is tried again' }),
  pool_size: Type.Integer({ minimum: STORE_TUNABLES.memcached.poolSize.min, default: STORE_TUNABLES.memcached.poolSize.default, description: 'memcached / tiered: connections per server, per worker' }),
  idle_ms: milliseconds({ default: STORE_TUNABLES.memcached.idleMs.default, description: 'memcached / tiered: an idle connection is closed after this long' }),
};

const Store = Type.Union(
  [
    closed({
      backend: Type.Literal('memory', {
        default: 'memory',
        description: '`memory` (one worker), `memcached` or `tiered` (an in-process L1 over memcached)',
      }),
      secret_key: Type.Optional(secretKey),
      security_strategy: securityStrategy,
      max_entries: Type.Integer({ minimum: STORE_TUNABLES.memory.maxEntries.min, default: STORE_TUNABLES.memory.maxEntries.default, description: 'memory only: entries kept before the least recently used is evicted' }),
    }),
    closed({ backend: Type.Literal('memcached'), ...memcachedKeys }),
    closed({
      backend: Type.Literal('tiered'),
      ...memcachedKeys,
      l1_max_entries: Type.Integer({ minimum: STORE_TUNABLES.tiered.l1MaxEntries.min, default: STORE_TUNABLES.tiered.l1MaxEntries.default, description: 'tiered only: entries the in-process L1 keeps' }),
      l1_ttl_seconds: seconds(STORE_TUNABLES.tiered.l1TtlSeconds.min, { default: STORE_TUNABLES.tiered.l1TtlSeconds.default, description: 'tiered only: longest time an entry stays in L1, so a change made by another process is seen here within it' }),
    }),
  ],
  {
    default: { backend: 'memory' },
    errorMessage: 'must be {backend: memory}, or {backend: memcached or tiered, servers: [...], secret_key: ...}',
    description: 'where tokens, learned locations, leases and health are kept: shared by every worker and host on memcached',
  },
);

const resourceTypes = (description: string) =>
  map(list(text(), { errorMessage: 'must be a list of resource types, e.g. [volumes, snapshots]' }), {
    default: {},
    description,
    'x-default-text': "OpenStack's",
  });

const Routing = closed(
  {
    learn: flagKey(FORWARD_TUNABLES, 'learn'),
    search_by_broadcast: flag(FORWARD_TUNABLES.search.default, FORWARD_TUNABLES.search.description),
    aggregation: flag(FORWARD_TUNABLES.aggregate.default, FORWARD_TUNABLES.aggregate.description),
    aggregated_resource_types: resourceTypes(
      'per mounted service type, the resource types whose lists are merged; default: volumes, snapshots, backups; images; servers; networks, subnets, ports',
    ),
    page_limit: integerKey(FORWARD_TUNABLES, 'pageLimit'),
    list_body_limit_bytes: integerKey(FORWARD_TUNABLES, 'listBodyLimitBytes'),
    resource_types: resourceTypes(
      'per mounted service type, the resource types learned and searched, e.g. `{volumev3: [volumes, snapshots]}`; default: volumes, snapshots, backups, groups, group_snapshots; images; servers; networks, subnets, ports, routers, floatingips, security-groups',
    ),
    learn_list_limit: integerKey(FORWARD_TUNABLES, 'learnListLimit'),
    location_ttl_seconds: integerKey(FORWARD_TUNABLES, 'locationTtlSeconds'),
    absent_ttl_seconds: integerKey(FORWARD_TUNABLES, 'absentTtlSeconds'),
    probe_timeout_ms: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'each search probe; a cloud slower than this counts as not answering (at most `upstream.timeout_seconds`)',
        'x-default-text': '`5000`, or `upstream.timeout_seconds` when shorter',
      }),
    ),
    max_searches_per_caller: integerKey(FORWARD_TUNABLES, 'maxSearchesPerCaller'),
    placement: oneOf(PLACEMENT_POLICIES, {
      default: FORWARD_TUNABLES.placement.default,
      description:
        'where a create (`POST` on a collection) with no routing header, `name@sp` or virtual region goes: `local`, `spread`, `headroom`, `fastest` or `cheapest` (see "Discovery and placement" below)',
    }),
  },
  { default: {}, description: 'routing rules 3-5 of DESIGN.md: learned locations, search, merged lists, placement' },
);

const RegionMetadata = closed({
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

const grantFilter = (description: string) => Type.Optional(list(text(), { minItems: 1, description }));

const EndpointGrant = closed({
  projects: grantFilter('projects granted: ids, `name@domain`, or bare names of projects in the Default domain'),
  domains: grantFilter('domains granted (their projects): ids or names'),
  roles: grantFilter('roles granted: names'),
  service_providers: grantFilter('only these SPs'),
  service_types: grantFilter('only these service types (aliases accepted)'),
  interfaces: Type.Optional(list(endpointInterface({}), { minItems: 1, description: 'only these interfaces' })),
  regions: grantFilter('only these regions (virtual region names)'),
});

const EndpointPolicy = Type.Union(
  [
    Type.Literal('open'),
    Type.Literal('catalog'),
    closed({
      rules: list(EndpointGrant, {
        errorMessage: 'must be a list of grants, e.g. [{projects: [demo], service_providers: [sp1]}]',
        'x-default-text': 'required in `{rules: [...]}`',
        description:
          'grants: a caller matching any of `projects`, `domains` or `roles` (none given: every caller) may reach what matches every filter given (`service_providers`, `service_types`, `interfaces`, `regions`; an absent filter matches anything)',
      }),
    }),
  ],
  {
    default: 'open',
    errorMessage: 'must be open, catalog or {rules: [...]}',
    description: 'who may reach which SP\'s services (see "Endpoint policy" below): `open`, `catalog`, or `{rules: [...]}`',
  },
);

const ServiceProviderSettings = closed(
  {
    identity: oneOf(['user', 'reseller'], {
      default: 'user',
      description:
        'whose identity the K2K exchange with that SP carries: `user` (the caller\'s) or `reseller` (the gateway\'s service user, in the customer\'s pseudonymous project; see "Reseller anonymity" below)',
    }),
    admin_auth: Type.Optional(
      login({
        description:
          "the `keystone.service_auth` keys, for an admin of that SP's own Keystone: `k2k-gateway sync` acts there with it (required at a reseller SP when syncing). The gateway itself never uses it",
        'x-default-text': 'none',
      }),
    ),
    project_domain_name: Type.Optional(
      text({
        description: 'the SP domain sync puts the mirrored projects in (not with `identity: reseller`: those go in `reseller.project_domain_name`)',
        'x-default-text': '`Default`',
      }),
    ),
    grant: Type.Optional(
      closed(
        {
          group_name: text({ description: 'a group of the SP that sync grants `role` on every mirrored project' }),
          group_domain_name: text({ default: 'Default', description: "that group's domain" }),
          role: text({ default: 'member', description: 'the role granted' }),
        },
        {
          description: "required with `identity: reseller`: the group the SP's mapping puts the gateway's service user in",
          'x-default-text': 'none',
        },
      ),
    ),
  },
  // A map's values get their defaults only when they have one themselves (TypeBox's Value.Default).
  { default: {} },
);

const Reseller = closed(
  {
    secret: text({
      minLength: MIN_SECRET_LENGTH,
      writeOnly: true,
      errorMessage: `must be at least ${MIN_SECRET_LENGTH} characters`,
      description:
        'at least 16 characters, the same on every gateway host and for sync: the key of the pseudonyms (the first 32 hex digits of HMAC-SHA256(secret, local project id)), and so of the names of the customer projects at reseller SPs, `k2k-<pseudonym>`',
      'x-default-text': 'required when an SP has `identity: reseller`',
    }),
    project_domain_name: text({ default: 'Default', description: 'the SP domain of the pseudonymous projects' }),
  },
  { description: 'reseller anonymity (see "Reseller anonymity" below)', 'x-default-text': 'none' },
);

/** Keystone's tags: at most 255 characters, no "/" or ",". The link tag adds ":" and a 32-character id or pseudonym. */
const KEYSTONE_TAG = { pattern: '^[^/,\\s]{1,200}$', errorMessage: 'must be a Keystone tag: 1 to 200 characters, no "/", "," or spaces' };

const Sync = closed(
  {
    scope: closed(
      {
        domain_name: Type.Optional(text({ description: 'the IdP projects of this domain' })),
        tag: Type.Optional(text({ ...KEYSTONE_TAG, description: 'the IdP projects carrying this tag' })),
      },
      {
        minProperties: 1,
        maxProperties: 1,
        errorMessage: 'give exactly one of domain_name and tag: {domain_name: NAME} or {tag: TAG}, the IdP projects to mirror',
        description: 'the IdP projects `k2k-gateway sync` mirrors: those of a domain, or those carrying a tag',
        'x-default-text': 'required with `sync`',
      },
    ),
    sp_tag: text({
      ...KEYSTONE_TAG,
      default: 'k2k-sync',
      description:
        "the tag marking a project at an SP as this sync's mirror; its link tag is `<sp_tag>:<IdP project id>` (at a reseller SP, `<sp_tag>:<pseudonym>`: the 32 hex digits of the project's name after `k2k-`). One per IdP syncing to the same SP domain (no `/`, `,` or space)",
    }),
    on_delete: oneOf(['delete', 'disable'], {
      default: 'delete',
      description: 'what the mirror of a project deleted at the IdP (or gone out of scope) becomes: `delete` or `disable`',
    }),
    interval_seconds: seconds(1, { default: 60, description: 'the pause between two rounds of `k2k-gateway sync` (not with `--once`)' }),
    lease_seconds: seconds(1, {
      default: 300,
      description: 'the longest one host holds the sync lease in the store: longer than a round; a host that dies mid-round keeps the others out this long at most',
    }),
    events: Type.Optional(
      closed(
        {
          file: Type.Optional(text({ description: "a file each change's CADF event is appended to, a JSON line (mode 0600 when created)" })),
          url: Type.Optional(
            text({ pattern: '^https?://', errorMessage: 'must be an http or https URL', description: 'an HTTP hook each change\'s CADF event is POSTed to as JSON (10 s timeout, not retried)' }),
          ),
        },
        { minProperties: 1, maxProperties: 1, errorMessage: 'give exactly one of file and url', description: "where each change's CADF event goes", 'x-default-text': 'none' },
      ),
    ),
  },
  { description: 'project sync (see "Project sync" below)', 'x-default-text': 'none' },
);

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
