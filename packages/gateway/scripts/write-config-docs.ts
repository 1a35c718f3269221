/** `npm run config-docs -w packages/gateway`: writes the editor's JSON Schema and the README's table of keys from the config schema. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JSON_SCHEMA_FILE, jsonSchemaText, readmeWithKeys } from './config-docs.js';

const GATEWAY = join(__dirname, '..', '..');
const readme = join(GATEWAY, 'README.md');

writeFileSync(join(GATEWAY, JSON_SCHEMA_FILE), jsonSchemaText());
writeFileSync(readme, readmeWithKeys(readFileSync(readme, 'utf8')));
console.log(`wrote ${JSON_SCHEMA_FILE} and the table of keys in README.md`);
