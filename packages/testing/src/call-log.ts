/** One request a simulated server handled. */
export interface Call {
  method: string;
  path: string;
  /** Stable name of the route that handled it, e.g. 'tokens.issue'; 'unknown' for a 404 */
  route: string;
  status: number;
}

/** Every request a simulated server handled, for tests that count calls. */
export class CallLog {
  readonly calls: Call[] = [];

  record(call: Call): void {
    this.calls.push(call);
  }

  /** How many calls were handled, in all or by one route. */
  count(route?: string): number {
    return route === undefined ? this.calls.length : this.calls.filter((call) => call.route === route).length;
  }

  reset(): void {
    this.calls.length = 0;
  }
}
