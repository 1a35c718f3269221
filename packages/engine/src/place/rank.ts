import { isHealthy } from './health.js';
import type { PlacementCandidate, PlacementPolicyName } from './policy.js';

/**
 * The built-in policies: the candidates in the order to try them. `spread` takes turns (`turn`
 * counts this process's placements); `headroom` most quota left after the create first; `fastest`
 * lowest recent latency first; `cheapest` lowest operator cost first, among those with headroom.
 * Candidates known not to have quota left for the create are left out (`headroom`, `cheapest`);
 * unhealthy ones go last in every policy, so they are tried only when nothing else can be reached.
 */
export function rank(policy: Exclude<PlacementPolicyName, 'local'>, candidates: readonly PlacementCandidate[], turn: number): PlacementCandidate[] {
  switch (policy) {
    case 'spread': {
      const start = candidates.length > 0 ? turn % candidates.length : 0;
      return healthyFirst([...candidates.slice(start), ...candidates.slice(0, start)]);
    }
    case 'headroom':
      return healthyFirst(withRoom(candidates).sort(byHeadroom));
    case 'fastest':
      return healthyFirst([...candidates].sort((a, b) => (a.health?.latencyMs ?? Number.POSITIVE_INFINITY) - (b.health?.latencyMs ?? Number.POSITIVE_INFINITY)));
    case 'cheapest':
      return healthyFirst(withRoom(candidates).sort((a, b) => (a.metadata.cost ?? Number.POSITIVE_INFINITY) - (b.metadata.cost ?? Number.POSITIVE_INFINITY) || byHeadroom(a, b)));
  }
}

/** Whether a candidate is known to lack quota for the create. */
export function knownFull(candidate: PlacementCandidate): boolean {
  return candidate.leftAfter !== null && candidate.leftAfter.some((left) => left < 0);
}

function withRoom(candidates: readonly PlacementCandidate[]): PlacementCandidate[] {
  return candidates.filter((candidate) => !knownFull(candidate));
}

/** Most left after the create first, quota by quota; unknown headroom after every known one. */
function byHeadroom(a: PlacementCandidate, b: PlacementCandidate): number {
  if (!a.leftAfter || !b.leftAfter) return Number(!a.leftAfter) - Number(!b.leftAfter);
  for (let i = 0; i < Math.min(a.leftAfter.length, b.leftAfter.length); i++) {
    const difference = b.leftAfter[i] - a.leftAfter[i];
    if (difference !== 0 && !Number.isNaN(difference)) return difference;
  }
  return 0;
}

/** A stable partition: healthy candidates keep their order, then the unhealthy. */
function healthyFirst(ranked: PlacementCandidate[]): PlacementCandidate[] {
  return [...ranked.filter((c) => isHealthy(c.health)), ...ranked.filter((c) => !isHealthy(c.health))];
}
