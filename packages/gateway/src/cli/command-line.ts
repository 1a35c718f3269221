import { parseArgs } from 'node:util';
import { OptionError } from '@k2k/common';
import { CATALOG_ACTIONS, type CatalogAction } from '../catalog/catalog-command.js';

/** What the command line asks for. */
export type Command =
  | { kind: 'help' }
  | { kind: 'serve'; configFile: string }
  /** Validate the config and stop: 0 valid, 2 not (naming the key) */
  | { kind: 'check'; configFile: string }
  | { kind: 'catalog'; action: CatalogAction; configFile: string }
  /** Project sync: one round (`once`, `dryRun`) or one per sync.interval_seconds */
  | { kind: 'sync'; configFile: string; once: boolean; dryRun: boolean };

export const USAGE = `Usage:
  k2k-gateway --config FILE                                  serve (YAML or JSON config)
  k2k-gateway --check-config --config FILE                   validate the config and stop
  k2k-gateway catalog print|register|remove --config FILE    the virtual regions in the IdP's catalog
  k2k-gateway sync [--once] [--dry-run] --config FILE        mirror the IdP's projects to the service providers
  k2k-gateway --help

catalog print     what register would do; changes nothing
catalog register  a region per virtual region and a public endpoint per mount pointing at the
                  gateway, so that 'openstack --os-region-name <sp> ...' goes through it (idempotent)
catalog remove    deletes what register made
The catalog commands log in with keystone.admin_auth (else keystone.service_auth): the admin role.

sync              a round every sync.interval_seconds until stopped (SIGTERM, SIGINT), one host at
                  a time (a lease in the store); --once: one round; --dry-run: what a round would
                  change, changing nothing. At each SP it logs in with service_provider_settings.<sp>.admin_auth.

Exit codes: 0 done, 1 failed (Keystone refused, a catalog conflict, could not start), 2 bad command
line or config.`;

/** Reads the command line (`npm start -- ...` passes it on); throws an OptionError naming what is wrong. */
export function parseCommandLine(args: string[]): Command {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new OptionError('command line', `${(error as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  const [command, action, ...extra] = positionals;
  if (!values.config) throw new OptionError('--config', `give the gateway config file: --config FILE (YAML or JSON)\n${USAGE}`);
  if ((values.once || values['dry-run']) && command !== 'sync') throw new OptionError(values.once ? '--once' : '--dry-run', `only with sync\n${USAGE}`);
  if (command === undefined) return values['check-config'] ? { kind: 'check', configFile: values.config } : { kind: 'serve', configFile: values.config };
  if (command === 'sync' && action === undefined) return { kind: 'sync', configFile: values.config, once: values.once === true, dryRun: values['dry-run'] === true };
  if (command !== 'catalog' || extra.length > 0) throw new OptionError('command line', `unknown command "${positionals.join(' ')}"\n${USAGE}`);
  if (!CATALOG_ACTIONS.includes(action as CatalogAction)) throw new OptionError('catalog', `give one of ${CATALOG_ACTIONS.join(', ')}\n${USAGE}`);
  return { kind: 'catalog', action: action as CatalogAction, configFile: values.config };
}

function parse(args: string[]) {
  return parseArgs({ args, allowPositionals: true, options: {
      config: { type: 'string', short: 'c' },
      'check-config': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      once: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
    }, });
}
