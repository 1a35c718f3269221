/** A misbehaviour to inject into a simulated server, for all routes or one. */
export interface Fault {
  /** Delay before answering, in ms */
  latencyMs?: number;
  /** Answer with this status (e.g. 500, 503) and an error body instead of the real answer */
  status?: number;
  /** Answer 200 with a body that is not what the protocol says */
  malformed?: boolean;
  /**
   * A rogue (or broken) service: answer 200 with the JSON this returns, given the route's path
   * parameters, to whoever asks, token or not, instead of the real answer. `() => ({})` answers
   * anything with an empty object; `({ id }) => ({ volume: { id } })` claims every volume asked for.
   */
  rogue?: (params: Readonly<Record<string, string>>) => unknown;
}

/**
 * Fault switches of a simulated server. `set(fault)` applies to every route, `set(fault, route)`
 * to one (a route's own fault wins). Being down (connections refused) is switched on the server
 * itself: see `SimServer.down()`.
 */
export class FaultSwitches {
  private readonly byRoute = new Map<string, Fault>();

  set(fault: Fault, route = '*'): void {
    this.byRoute.set(route, fault);
  }

  clear(): void {
    this.byRoute.clear();
  }

  for(route: string): Fault | undefined {
    return this.byRoute.get(route) ?? this.byRoute.get('*');
  }
}
