#!/usr/bin/env node
/**
 * k2k-simulator: starts a simulated federation (an IdP and service providers, each with fake
 * volume and image services) on loopback for a demo, prints where everything is, and stops on
 * SIGINT or SIGTERM.
 *   k2k-simulator [--service-providers sp1,sp2] [--token-lifetime 3600] [--write-env PATH]
 * (--write-env, not --env-file: Node 20 reads an --env-file anywhere on its command line as its own
 * and exits 9 when that file does not exist yet.)
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatFederationEnv } from './federation-env.js';
import { startFederation } from './federation.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'service-providers': { type: 'string', default: 'sp1,sp2' },
      'token-lifetime': { type: 'string', default: '3600' },
      'write-env': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('usage: k2k-simulator [--service-providers sp1,sp2] [--token-lifetime SECONDS] [--write-env PATH]');
    return;
  }
  const lifetime = Number(values['token-lifetime']);
  if (!Number.isInteger(lifetime) || lifetime < 1) throw new Error('--token-lifetime: give a whole number of seconds');
  const federation = await startFederation({ serviceProviders: values['service-providers'].split(',').filter(Boolean), tokenLifetimeSeconds: lifetime });
  const env = formatFederationEnv(federation.env);
  if (values['write-env']) writeFileSync(values['write-env'], env);
  console.log(`k2k simulator up. Users: alice/alicepw (project demo), k2k/secret (service), admin/adminpw.`);
  for (const cloud of federation.clouds) {
    console.log(`  ${cloud.name.padEnd(5)} keystone ${cloud.keystone.authUrl}  volume ${cloud.volume.publicUrl}  image ${cloud.image.publicUrl}`);
  }
  process.stdout.write(env);
  const stop = () => {
    federation.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: Error) => {
  console.error(`k2k-simulator: ${error.message}`);
  process.exit(1);
});
