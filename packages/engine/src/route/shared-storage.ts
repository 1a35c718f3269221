import { OptionError, requireString } from '@k2k/common';

/** What the `sharedStorage` option's cloud names are checked against. */
export interface SharedStorageContext {
  localName: string;
  /** The allow-list (`serviceProviders`), when there is one */
  serviceProviders: readonly string[] | undefined;
}

/**
 * The cloud pairs an operator declared as sharing storage (the `sharedStorage` option): a volume
 * held by one may be attached to a server of the other, so such a request is not refused as naming
 * resources of two clouds. Clouds by name: the local cloud's `localName`, or a service provider id.
 */
export class SharedStorage {
  private readonly pairs: ReadonlySet<string>;

  constructor(pairs: readonly (readonly [string, string])[] = []) {
    this.pairs = new Set(pairs.flatMap(([a, b]) => [pairKey(a, b), pairKey(b, a)]));
  }

  shares(cloud: string, other: string): boolean {
    return this.pairs.has(pairKey(cloud, other));
  }
}

/** Validates the `sharedStorage` option, `[['default', 'sp1'], ...]`, naming what is wrong in it. */
export function parseSharedStorage(value: unknown, option: string, context: SharedStorageContext): SharedStorage {
  if (value === undefined) return new SharedStorage();
  if (!Array.isArray(value)) throw new OptionError(option, `must be a list of cloud pairs, e.g. [['${context.localName}', 'sp1']]`);
  const pairs = value.map((pair: unknown, i): [string, string] => {
    const where = `${option}[${i}]`;
    if (!Array.isArray(pair) || pair.length !== 2) throw new OptionError(where, `must be a pair of clouds, e.g. ['${context.localName}', 'sp1']`);
    const [a, b] = pair.map((cloud: unknown, j) => checkCloud(requireString(cloud, `${where}[${j}]`), `${where}[${j}]`, context));
    if (a === b) throw new OptionError(where, `names ${a} twice: a pair is two clouds`);
    return [a, b];
  });
  return new SharedStorage(pairs);
}

function checkCloud(cloud: string, option: string, { localName, serviceProviders }: SharedStorageContext): string {
  if (cloud !== localName && serviceProviders !== undefined && !serviceProviders.includes(cloud)) {
    throw new OptionError(option, `"${cloud}" is neither the local cloud (localName "${localName}") nor in serviceProviders (${serviceProviders.join(', ')})`);
  }
  return cloud;
}

function pairKey(a: string, b: string): string {
  return `${a}\n${b}`;
}
