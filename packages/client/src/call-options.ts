import { OptionError, requireObject, requireString } from '@k2k/common';
import { normalizeInterface } from '@k2k/keystone';
import type { EndpointInterface } from '@k2k/common';

/** A project at a service provider: by name (its domain defaulting to the caller's project's) or by id. */
export type ProjectChoice = { name: string; domain?: string } | { id: string };

/** fetch's init, with the routing of one call: what the routing headers say to k2kForward. */
export interface K2KRequestInit extends RequestInit {
  /** The service provider to send the call to (SERVICE-PROVIDER); the local cloud's name keeps it local */
  serviceProvider?: string;
  /** The project there (PROJECT-NAME + PROJECT-DOMAIN, or MM-PROJECT-ID). Default: the caller's project's name, else the only one offered */
  project?: ProjectChoice;
  /** The endpoint interface at the cloud the call goes to: public, internal or admin. Default: the service's */
  interface?: string;
  /** The endpoint region at the service provider the call goes to. Default: the client's region option, else the first */
  region?: string;
}

/** One call's routing, checked. */
export interface CallRouting {
  /** Routing headers, as k2kForward reads them */
  headers: Record<string, string>;
  interface: EndpointInterface | undefined;
  region: string | undefined;
  /** fetch's own init, the routing taken out */
  init: RequestInit;
}

/** Takes a call's routing out of its init; a bad value throws naming it. */
export function callRouting(given: K2KRequestInit): CallRouting {
  const { serviceProvider, project, interface: wanted, region, ...init } = given;
  const headers: Record<string, string> = {};
  if (serviceProvider !== undefined) headers['service-provider'] = requireString(serviceProvider, 'serviceProvider');
  if (project !== undefined) {
    const choice = requireObject(project, 'project');
    if (choice.id !== undefined) headers['mm-project-id'] = requireString(choice.id, 'project.id');
    else {
      headers['project-name'] = requireString(choice.name, 'project.name');
      if (choice.domain !== undefined) headers['project-domain'] = requireString(choice.domain, 'project.domain');
    }
  }
  const endpointInterface = wanted === undefined ? undefined : normalizeInterface(requireString(wanted, 'interface'));
  if (wanted !== undefined && !endpointInterface) throw new OptionError('interface', `must be public, internal or admin (publicURL style accepted), got ${JSON.stringify(wanted)}`);
  return { headers, interface: endpointInterface, region: region === undefined ? undefined : requireString(region, 'region'), init };
}
