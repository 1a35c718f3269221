import type { SimRequest } from '../sim-server.js';

/** Nova (Zed)'s microversions */
export const MIN_VERSION = '2.1';
export const MAX_VERSION = '2.93';

const VERSION = /^(\d+)\.(\d+)$/;

/** A version's [major, minor], to compare. */
function parts(version: string): [number, number] {
  const [, major, minor] = VERSION.exec(version) as RegExpExecArray;
  return [Number(major), Number(minor)];
}

/** Whether Nova serves `version`: 2.1 to 2.93 (every version is 2.x). */
function within(version: string): boolean {
  const [major, minor] = parts(version);
  return major === 2 && minor >= parts(MIN_VERSION)[1] && minor <= parts(MAX_VERSION)[1];
}

/**
 * What Nova does with the microversion of every v2.1 API call, as real Nova (Zed) does it: the
 * version asked for in `OpenStack-API-Version: compute 2.x`, else in the legacy
 * `X-OpenStack-Nova-API-Version: 2.x` (`latest`: its newest; none: 2.1); every answer carries it in
 * both headers and `Vary` names both, whichever the caller sent. A version outside 2.1-2.93 is 406
 * (with those headers), one that is not `major.minor` 400 (without), each with Nova's message. Answers those errors itself and
 * returns false; true when the call may go on.
 */
export function serveMicroversion(request: SimRequest, sendError: (status: number, message: string) => void): boolean {
  const headers = request.req.headers;
  const standard = typeof headers['openstack-api-version'] === 'string' ? /^\s*compute\s+(\S+)\s*$/i.exec(headers['openstack-api-version'])?.[1] : undefined;
  const legacy = headers['x-openstack-nova-api-version'];
  const asked = (standard ?? (typeof legacy === 'string' ? legacy.trim() : undefined))?.toLowerCase();
  const version = asked === undefined ? MIN_VERSION : asked === 'latest' ? MAX_VERSION : asked;
  if (!VERSION.test(version)) {
    sendError(400, `API Version String ${version} is of invalid format. Must be of format MajorNum.MinorNum.`);
    return false;
  }
  request.res.setHeader('openstack-api-version', `compute ${version}`);
  request.res.setHeader('x-openstack-nova-api-version', version);
  request.res.setHeader('vary', 'OpenStack-API-Version, X-OpenStack-Nova-API-Version');
  if (!within(version)) {
    sendError(406, `Version ${version} is not supported by the API. Minimum is ${MIN_VERSION} and maximum is ${MAX_VERSION}.`);
    return false;
  }
  return true;
}
