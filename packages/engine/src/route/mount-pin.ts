import { OptionError, rejectUnknownKeys, requireObject, requireOneOf, requireString, withDefault } from '@k2k/common';
import type { ProjectRequest } from '../parse/routing-headers.js';

/** The `pin` option: a mount pinned to one target, a virtual region (DESIGN "Virtual regions"). */
export interface MountPin {
  /** The service provider's id as the IdP registers it; with token 'passthrough', the target's name */
  serviceProvider: string;
  /** The project there; default as with SERVICE-PROVIDER alone: the caller's project name, else the only one */
  project?: { name: string; domain: string } | { id: string };
  /** Use the service provider's endpoints in this region (with token 'passthrough': required, the local cloud's region) */
  region?: string;
  /**
   * 'k2k' (default): a token obtained at the service provider through K2K. 'passthrough': the
   * caller's own token goes as it is, to the endpoint of the caller's own catalog in `region`: only
   * for targets that trust the IdP's tokens, such as another region of the local cloud
   */
  token?: 'k2k' | 'passthrough';
  /** The virtual region's name in the IdP's catalog, what `endpointPolicy` checks. Default: the service provider's id */
  name?: string;
}

/** A pin, validated. */
export type Pin =
  | { token: 'k2k'; serviceProvider: string; project?: ProjectRequest; region?: string; name: string }
  | { token: 'passthrough'; serviceProvider: string; region: string };

/** What a pin is checked against. */
export interface PinContext {
  localName: string;
  /** The allow-list (`serviceProviders`), when there is one */
  serviceProviders: readonly string[] | undefined;
  /** The `region` option, which a pin's region must not contradict */
  region: string | undefined;
}

/** Validates the `pin` option, naming what is wrong in it. */
export function parsePin(value: unknown, option: string, context: PinContext): Pin {
  const pin = requireObject(value, option);
  rejectUnknownKeys(pin, ['serviceProvider', 'project', 'region', 'token', 'name'], option);
  const serviceProvider = requireString(pin.serviceProvider, `${option}.serviceProvider`);
  if (serviceProvider === context.localName) throw new OptionError(`${option}.serviceProvider`, `names the local cloud (localName "${context.localName}"): a mount that is not pinned serves it`);
  const token = requireOneOf(withDefault(pin.token, 'k2k'), `${option}.token`, ['k2k', 'passthrough'] as const);
  const region = pin.region === undefined ? undefined : requireString(pin.region, `${option}.region`);
  if (region !== undefined && context.region !== undefined && region !== context.region) {
    throw new OptionError(`${option}.region`, `contradicts region ("${context.region}"): give the region once`);
  }
  if (token === 'passthrough') {
    if (region === undefined) throw new OptionError(`${option}.region`, "required with token 'passthrough': the region of your own catalog the requests go to");
    if (pin.project !== undefined) throw new OptionError(`${option}.project`, "not with token 'passthrough': the caller's own token goes there, scoped to its own project");
    return { token, serviceProvider, region };
  }
  if (context.serviceProviders !== undefined && !context.serviceProviders.includes(serviceProvider)) {
    throw new OptionError(`${option}.serviceProvider`, `"${serviceProvider}" is not in serviceProviders (${context.serviceProviders.join(', ')})`);
  }
  return {
    token,
    serviceProvider,
    name: requireString(withDefault(pin.name, serviceProvider), `${option}.name`),
    ...(pin.project !== undefined && { project: parseProject(pin.project, `${option}.project`) }),
    ...(region !== undefined && { region }),
  };
}

function parseProject(value: unknown, option: string): ProjectRequest {
  const project = requireObject(value, option);
  if (project.id !== undefined) {
    rejectUnknownKeys(project, ['id'], option);
    return { id: requireString(project.id, `${option}.id`) };
  }
  rejectUnknownKeys(project, ['name', 'domain'], option);
  return { name: requireString(project.name, `${option}.name`), domain: requireString(project.domain, `${option}.domain`) };
}
