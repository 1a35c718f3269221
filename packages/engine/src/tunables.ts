import type { OptionTable } from '@k2k/common';
import { PLACEMENT_POLICIES } from './place/policy.js';

/**
 * The engine's tunables, each written once, for every face: k2kForward's option table (which adds
 * `local`) and k2kClient's take them whole, so a setting means the same in a gateway and in a
 * service's own client. Each face reads them with readTunables and maps them onto EngineSettings.
 */
export const ENGINE_TUNABLES = {
  localName: { kind: 'string', default: 'default', description: "the local cloud's name: `SERVICE-PROVIDER: default` stays local" },
  interface: { kind: 'string', default: 'public', description: 'endpoint interface at SPs when `ENDPOINT-TYPE` is absent' },
  timeoutMs: { kind: 'integer', default: 60_000, min: 1, description: 'an upstream silent this long is answered 504' },
  keystoneTimeoutMs: { kind: 'integer', default: 10_000, min: 1, description: 'each Keystone call of the exchange' },
  tokenSafetyMarginSeconds: {
    kind: 'integer',
    default: 120,
    min: 0,
    max: 86_400,
    description: 'a token obtained at an SP through K2K is used until this long before it expires, then a new exchange is made',
  },
  learn: { kind: 'boolean', default: true, description: 'learn where resources are from answers (a show, a create, a list), shared through the store: the next request with no routing header goes straight there (rule 3)' },
  search: { kind: 'boolean', default: true, description: 'an id nobody has learned is looked for with GET probes: the local service first, then every SP the caller may use, in parallel; never a mutation (rule 4)' },
  locationTtlSeconds: { kind: 'integer', default: 86_400, min: 1, description: 'how long a learned location is kept; written again when used past half of it' },
  absentTtlSeconds: { kind: 'integer', default: 10, min: 0, description: 'how long an id found nowhere answers 404 at once, without a new search (0: not kept)' },
  probeTimeoutMs: { kind: 'integer', default: 5000, min: 1, atMost: 'timeoutMs', description: 'each search probe; at most `timeoutMs`' },
  maxSearchesPerCaller: { kind: 'integer', default: 4, min: 1, description: 'searches one caller runs at once in one process (one gateway worker); more get 429' },
  jsonBodyLimitBytes: {
    kind: 'integer',
    default: 1_048_576,
    min: 1024,
    description:
      "the largest JSON body read whole: a create's (for `name@sp`; 413 beyond), or an answer learned from and whose links are rewritten at once (a larger answer is not learned from, and its links are rewritten as it streams)",
  },
  learnListLimit: { kind: 'integer', default: 1000, min: 0, description: 'at most this many items of one list answer are learned' },
  projectLinkTag: {
    kind: 'string',
    default: 'k2k-sync',
    description:
      "a project at an SP tagged `<projectLinkTag>:<IdP project id>` (project sync's mirrors, `k2k-gateway sync`'s `sp_tag`) stands for that IdP project where a request names other projects by id (a Glance image's members): the id goes to the SP as that project's, and comes back as the IdP's",
  },
  aggregate: { kind: 'boolean', default: true, description: 'a list call (`/volumes`, `/volumes/detail`, `/images`, ...) with no routing header is asked of every cloud and merged into one list, sorted and paged as one; next links carry an opaque marker (rule 5); needs a `local` upstream URL' },
  pageLimit: { kind: 'integer', default: 1000, min: 1, max: 100_000, description: 'the largest merged page (1-100000), and the page size when the client gives no `limit`' },
  listBodyLimitBytes: {
    kind: 'integer',
    default: 16_777_216,
    min: 1024,
    description: 'the largest list answer read from one cloud; a larger one leaves that cloud out of the page (named in `X-K2K-Partial`)',
  },
  placement: {
    kind: 'enum',
    default: 'local',
    values: PLACEMENT_POLICIES,
    orElse: 'a function',
    description: "where a create that names no cloud goes: `'local'`, `'spread'`, `'headroom'`, `'fastest'`, `'cheapest'`, or a `PlacementFunction` (see \"Placement\")",
  },
} as const satisfies OptionTable;
