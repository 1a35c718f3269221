import { OpenStackError } from '@k2k/common';
import type { Pin } from './mount-pin.js';
import { readRoutingHeaders, type ProjectRequest } from '../parse/routing-headers.js';
import type { RoutingRule } from './target.js';

/**
 * Rule 0, for a mount pinned to one target (a virtual region): every request goes there, as if
 * SERVICE-PROVIDER (and the pinned project) had been sent, and no other rule runs. A routing header
 * or an `@<cloud>` qualifier may name the pinned target again, not another cloud (400); the
 * routing headers may add a project where the pin names none, and ENDPOINT-TYPE.
 * A request without a confirmed caller (only the gateway's anonymous version discovery comes so)
 * cannot reach the target, which takes a token: the local service answers it, as on any mount.
 */
export function pinnedMount(pin: Pin): RoutingRule {
  const pinned = pin.serviceProvider;
  return ({ req, request, identity }) => {
    if (!identity) return { kind: 'local', reason: 'no confirmed caller (version discovery): the local service answers' };
    const headers = readRoutingHeaders(req, identity.project?.domain.name ?? 'Default');
    const elsewhere = (how: string, named: string) => new OpenStackError(400, `This endpoint is pinned to ${pinned} (a virtual region); ${how} names ${named}.`);
    if (headers.serviceProvider !== undefined && headers.serviceProvider !== pinned) throw elsewhere('SERVICE-PROVIDER', headers.serviceProvider);
    if (request.qualifier !== undefined && request.qualifier !== pinned) throw elsewhere("the id's qualifier", request.qualifier);
    const reason = `the mount is pinned to ${pinned}`;
    const endpointInterface = headers.interface && { interface: headers.interface };
    if (pin.token === 'passthrough') {
      if (headers.project) throw new OpenStackError(400, `This endpoint is pinned to ${pinned}, where your own token goes: it cannot choose another project.`);
      return { kind: 'passthrough', name: pinned, region: pin.region, ...endpointInterface, reason };
    }
    if (pin.project && headers.project && !sameProject(pin.project, headers.project)) {
      throw new OpenStackError(400, `This endpoint is pinned to project ${describe(pin.project)} at ${pinned}; the routing headers name ${describe(headers.project)}.`);
    }
    const project = pin.project ?? headers.project;
    return { kind: 'remote', serviceProvider: pinned, virtualRegion: pin.name, ...(project && { project }), ...endpointInterface, reason };
  };
}

function sameProject(a: ProjectRequest, b: ProjectRequest): boolean {
  return 'id' in a ? 'id' in b && a.id === b.id : 'name' in b && a.name === b.name && a.domain === b.domain;
}

function describe(project: ProjectRequest): string {
  return 'id' in project ? project.id : `${project.name} (domain ${project.domain})`;
}
