/** A request target's path: what comes before its query (the gateway's steps each look at it, on every request). */
export function pathOf(target: string): string {
  const queryAt = target.indexOf('?');
  return queryAt === -1 ? target : target.slice(0, queryAt);
}
