import { OptionError, rejectUnknownKeys, requireObject, requireString } from '@k2k/common';

/** What the operator says about a target (the local cloud or an SP): shown in discovery, used by placement. */
export interface TargetMetadata {
  /** A relative price, lower is cheaper (the unit is the operator's, the same for every target): `cheapest` ranks by it */
  cost?: number;
  /** The availability the operator commits to, in percent (e.g. 99.9) */
  sla?: number;
  /** Where the cloud is, free text (e.g. "eu-west, Frankfurt") */
  location?: string;
  /** Free labels, name -> value */
  labels?: Record<string, string>;
}

const KNOWN = ['cost', 'sla', 'location', 'labels'];

/** Validates the metadata per target name (`option` names it in errors). */
export function parseTargetMetadata(value: unknown, option: string): Record<string, TargetMetadata> {
  const byTarget = requireObject(value, option);
  const parsed: Record<string, TargetMetadata> = {};
  for (const [name, entry] of Object.entries(byTarget)) parsed[name] = parseOne(entry, `${option}.${name}`);
  return parsed;
}

function parseOne(value: unknown, option: string): TargetMetadata {
  const entry = requireObject(value, option);
  rejectUnknownKeys(entry, KNOWN, option);
  const metadata: TargetMetadata = {};
  if (entry.cost !== undefined) metadata.cost = requireNumber(entry.cost, `${option}.cost`, 0, Number.MAX_VALUE);
  if (entry.sla !== undefined) metadata.sla = requireNumber(entry.sla, `${option}.sla`, 0, 100);
  if (entry.location !== undefined) metadata.location = requireString(entry.location, `${option}.location`);
  if (entry.labels !== undefined) {
    const labels = requireObject(entry.labels, `${option}.labels`);
    metadata.labels = {};
    for (const [key, label] of Object.entries(labels)) metadata.labels[key] = requireString(label, `${option}.labels.${key}`);
  }
  return metadata;
}

function requireNumber(value: unknown, option: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) throw new OptionError(option, `must be a number from ${min} to ${max === Number.MAX_VALUE ? 'any' : max}, got ${JSON.stringify(value)}`);
  return value;
}
