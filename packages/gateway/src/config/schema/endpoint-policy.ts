/** `endpoint_policy`: who may reach which SP's services. */
import { Type } from '@sinclair/typebox';
import { closed, endpointInterface, list, text } from './helpers.js';

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

export const EndpointPolicy = Type.Union(
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
