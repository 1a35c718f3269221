import type { IncomingMessage } from 'node:http';
import { normalizeInterface } from '@k2k/keystone';
import { OpenStackError, type EndpointInterface } from '@k2k/common';

/** The routing headers a caller may send; they are never forwarded. */
export const ROUTING_HEADERS = ['service-provider', 'project-name', 'project-domain', 'endpoint-type', 'mm-service-provider', 'mm-project-id'];

/** A project at a service provider, as the caller named it. */
export type ProjectRequest = { id: string } | { name: string; domain: string };

/** What the routing headers ask for. */
export interface RoutingRequest {
  serviceProvider?: string;
  project?: ProjectRequest;
  interface?: EndpointInterface;
}

const VALUE = /^[\w.@:+=\- ]{1,255}$/;

/**
 * Reads SERVICE-PROVIDER, PROJECT-NAME + PROJECT-DOMAIN, ENDPOINT-TYPE and the mixmatch aliases
 * MM-SERVICE-PROVIDER and MM-PROJECT-ID; throws a 400 naming the header for a bad value.
 * `defaultDomain` is used when PROJECT-NAME comes without PROJECT-DOMAIN.
 */
export function readRoutingHeaders(req: IncomingMessage, defaultDomain: string): RoutingRequest {
  const named = value(req, 'service-provider');
  const mmNamed = value(req, 'mm-service-provider');
  if (named !== undefined && mmNamed !== undefined && named !== mmNamed) {
    throw new OpenStackError(400, `SERVICE-PROVIDER (${named}) and MM-SERVICE-PROVIDER (${mmNamed}) name different service providers.`);
  }
  const serviceProvider = named ?? mmNamed;
  const projectName = value(req, 'project-name');
  const projectDomain = value(req, 'project-domain');
  const projectId = value(req, 'mm-project-id');
  const endpointType = value(req, 'endpoint-type');
  if (projectName !== undefined && projectId !== undefined) throw new OpenStackError(400, 'Send either PROJECT-NAME (with PROJECT-DOMAIN) or MM-PROJECT-ID, not both.');
  if (projectDomain !== undefined && projectName === undefined) throw new OpenStackError(400, 'PROJECT-DOMAIN needs PROJECT-NAME.');
  if ((projectName ?? projectId ?? endpointType) !== undefined && serviceProvider === undefined) {
    throw new OpenStackError(400, 'PROJECT-NAME, MM-PROJECT-ID and ENDPOINT-TYPE need SERVICE-PROVIDER (or MM-SERVICE-PROVIDER).');
  }
  const endpointInterface = endpointType === undefined ? undefined : normalizeInterface(endpointType);
  if (endpointType !== undefined && !endpointInterface) throw new OpenStackError(400, `ENDPOINT-TYPE must be public, internal or admin (publicURL style accepted), got "${endpointType}".`);
  return {
    ...(serviceProvider !== undefined && { serviceProvider }),
    ...(projectName !== undefined && { project: { name: projectName, domain: projectDomain ?? defaultDomain } }),
    ...(projectId !== undefined && { project: { id: projectId } }),
    ...(endpointInterface && { interface: endpointInterface }),
  };
}

function value(req: IncomingMessage, name: string): string | undefined {
  const raw = req.headers[name];
  if (raw === undefined) return undefined;
  const text = (Array.isArray(raw) ? raw.join(',') : raw).trim();
  if (!VALUE.test(text)) throw new OpenStackError(400, `Header ${name.toUpperCase()} has an invalid value.`);
  return text;
}
