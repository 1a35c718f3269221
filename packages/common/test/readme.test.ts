import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import * as common from '../src/index.js';

const PACKAGE = join(__dirname, '..', '..');

/** The names src/index.ts exports as types only (they leave nothing at run time to list). */
function typeExports(): string[] {
  const index = readFileSync(join(PACKAGE, 'src', 'index.ts'), 'utf8');
  return [...index.matchAll(/^export type \{ ([^}]*) \}/gm)].flatMap((match) => match[1].split(',').map((name) => name.trim()));
}

describe('the @k2k/common README', () => {
  it('documents every export, values and types', () => {
    const readme = readFileSync(join(PACKAGE, 'README.md'), 'utf8');
    const names = [...Object.keys(common), ...typeExports()];
    expect(names).to.include.members(['OpenStackError', 'KeystoneIdentity', 'Store']);
    const undocumented = names.filter((name) => !new RegExp(`\`${name}\\b`).test(readme));
    expect(undocumented).to.deep.equal([]);
  });
});
