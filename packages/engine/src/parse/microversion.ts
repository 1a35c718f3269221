import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/**
 * The microversion headers, OpenStack's own and the services' legacy ones (Nova, Manila, Ironic):
 * each as Node names it (lower case), and as the services write it in `Vary`.
 */
const VARY_NAMES: Readonly<Record<string, string>> = {
  'openstack-api-version': 'OpenStack-API-Version',
  'x-openstack-nova-api-version': 'X-OpenStack-Nova-API-Version',
  'x-openstack-manila-api-version': 'X-OpenStack-Manila-API-Version',
  'x-openstack-ironic-api-version': 'X-OpenStack-Ironic-API-Version',
};
const MICROVERSION_HEADERS = Object.keys(VARY_NAMES);

/**
 * The microversion headers among `headers`: what a caller asked for, sent on with every read made
 * for them (a search's probes, a merged list's pages, a marker's item), or the service answers at
 * its base version (Cinder hides groups below 3.13, group snapshots below 3.14).
 */
export function microversionHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const found: Record<string, string> = {};
  for (const name of MICROVERSION_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string') found[name] = value;
  }
  return found;
}

/**
 * The microversion headers of an answer this proxy writes itself for a service (a merged list, its
 * own error), as the service writes them: the version served, and `Vary` naming the header. Every
 * header `served` (a cloud's answer) carries is written as it came: Nova answers in both its own
 * header and OpenStack's whichever the caller sent, and names its base version when asked for none.
 * Else what the caller asked for, unless that was `latest` (which only the service can resolve).
 */
export function microversionAnswer(req: IncomingMessage, served: Record<string, string> = {}): Record<string, string> {
  const asked = microversionHeaders(req.headers);
  const answer: Record<string, string> = {};
  const vary: string[] = [];
  for (const name of MICROVERSION_HEADERS) {
    const version = served[name] ?? (asked[name] === undefined || /\blatest\b/i.test(asked[name]) ? undefined : asked[name]);
    if (version === undefined) continue;
    answer[name] = version;
    vary.push(VARY_NAMES[name]);
  }
  if (vary.length > 0) answer.vary = vary.join(', ');
  return answer;
}
