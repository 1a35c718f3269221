/** `service_provider_settings`, `reseller` and `sync`: whose identity each SP sees, the pseudonyms' key, and project sync. */
import { Type } from '@sinclair/typebox';
import { login } from './keystone.js';
import { closed, MIN_SECRET_LENGTH, oneOf, seconds, text } from './helpers.js';

export const ServiceProviderSettings = closed(
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

export const Reseller = closed(
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

export const Sync = closed(
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
