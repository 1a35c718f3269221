import type { RoutingRule } from './target.js';

/** Rule 2: a resource id written `<id>@<cloud>` goes to that cloud (the local one by its name). */
export const qualifiedId: RoutingRule = ({ request, localName }) => {
  const cloud = request.qualifier;
  if (cloud === undefined) return undefined;
  if (cloud === localName) return { kind: 'local', reason: `the id is qualified with the local cloud (@${localName})` };
  return { kind: 'remote', serviceProvider: cloud, reason: `the id is qualified with @${cloud}` };
};
