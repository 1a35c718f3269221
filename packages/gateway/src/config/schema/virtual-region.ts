/** One item of `virtual_regions`: an SP (or a region of the local cloud) mounted again below its own path. */
import { Type } from '@sinclair/typebox';
import { closed, oneOf, text } from './helpers.js';

export const VirtualRegion = closed({
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
