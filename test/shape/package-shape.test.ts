import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint } from 'eslint';
import { cycleIn, importGraphOf } from './import-graph.js';

type PackageTree = typeof import('../../scripts/package-tree.mjs');

const root = path.resolve(__dirname, '../../..');
const packages = readdirSync(path.join(root, 'packages'));
const MAX_LINES = 300;

/** Every TypeScript source module under dir (declarations aside), path -> text. */
function sourcesUnder(dir: string): Map<string, string> {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
  return new Map(files.map((file) => [path.join(dir, file), readFileSync(path.join(dir, file), 'utf8')]));
}

/** The src folders of every package and sample. */
function srcFolders(): string[] {
  const samples = readdirSync(path.join(root, 'samples')).map((name) => path.join(root, 'samples', name, 'src'));
  return [...packages.map((name) => path.join(root, 'packages', name, 'src')), ...samples];
}

/**
 * DESIGN.md "Layout": the packages form a tree (scripts/package-tree.mjs, which lint enforces),
 * modules import no cycle, and no source file is over 300 lines.
 */
describe('the shape of the packages', function () {
  this.timeout(60_000);
  let tree: PackageTree;
  let eslint: ESLint;

  before(async () => {
    tree = (await import(pathToFileURL(path.join(root, 'scripts/package-tree.mjs')).href)) as PackageTree;
    eslint = new ESLint({ cwd: root });
  });

  /** The no-restricted-imports messages lint gives for code at filePath (relative to the root; the file need not exist). */
  async function restrictedImports(filePath: string, code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: path.join(root, filePath) });
    return result.messages.filter((message) => message.ruleId === 'no-restricted-imports').map((message) => message.message);
  }

  describe('the package tree', () => {
    it('has an entry for every package, and names only packages that exist', () => {
      expect(Object.keys(tree.allowedImports)).to.have.members(packages);
      for (const allowed of Object.values(tree.allowedImports)) expect(packages).to.include.members([...allowed]);
    });

    it('is a tree: no package reaches itself through its allowed imports', () => {
      expect(cycleIn(new Map(Object.entries(tree.allowedImports)))).to.equal(undefined);
    });

    it("allows every @k2k package a package's runtime dependencies name (devDependencies serve its tests)", () => {
      for (const name of packages) {
        const manifest = JSON.parse(readFileSync(path.join(root, 'packages', name, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
        const k2k = Object.keys(manifest.dependencies ?? {}).filter((dep) => dep.startsWith('@k2k/')).map((dep) => dep.slice('@k2k/'.length));
        expect(tree.allowedImports[name], name).to.include.members(k2k);
      }
    });
  });

  describe('lint', () => {
    it('refuses a face importing the other face', async () => {
      const messages = await restrictedImports('packages/k2k-forward/src/shape-fixture.ts', "import { keystoneAuth } from '@k2k/keystone-auth';\nexport const auth = keystoneAuth;\n");
      expect(messages).to.have.length(1);
      expect(messages[0]).to.contain('@k2k/k2k-forward may import only');
    });

    it('refuses a package importing one above it, also by a deep path', async () => {
      expect(await restrictedImports('packages/store/src/shape-fixture.ts', "export type { Pipeline } from '@k2k/engine/dist/src/index.js';\n")).to.have.length(1);
    });

    it('refuses Express in the engine', async () => {
      const messages = await restrictedImports('packages/engine/src/shape-fixture.ts', "import express from 'express';\nexport const app = express;\n");
      expect(messages).to.have.length(1);
      expect(messages[0]).to.contain('@k2k/engine has no Express.');
    });

    it('refuses @k2k/testing in product source', async () => {
      expect(await restrictedImports('packages/gateway/src/shape-fixture.ts', "export { startFederation } from '@k2k/testing';\n")).to.have.length(1);
    });

    it('lets a package import those below it', async () => {
      const code = "import { createStore } from '@k2k/store';\nimport { KeystoneClient } from '@k2k/keystone';\nexport const parts = [createStore, KeystoneClient];\n";
      expect(await restrictedImports('packages/engine/src/shape-fixture.ts', code)).to.deep.equal([]);
    });

    it("keeps the engine's tests, too, without its faces", async () => {
      expect(await restrictedImports('packages/engine/test/shape-fixture.test.ts', "export { k2kForward } from '@k2k/k2k-forward';\n")).to.have.length(1);
    });

    it("lets the faces' tests import @k2k/testing and the face beside", async () => {
      const code = "import { startFederation } from '@k2k/testing';\nimport { keystoneAuth } from '@k2k/keystone-auth';\nexport const parts = [startFederation, keystoneAuth];\n";
      expect(await restrictedImports('packages/k2k-forward/test/shape-fixture.test.ts', code)).to.deep.equal([]);
    });
  });

  describe('import cycles', () => {
    it('finds a cycle of two modules, also when one side imports only types', () => {
      const modules = new Map([
        ['/p/src/execute.ts', "import type { Placement } from './place/place.js';\nexport const execute = 1;\n"],
        ['/p/src/place/place.ts', "import { execute } from '../execute.js';\nexport type Placement = typeof execute;\n"],
      ]);
      expect(cycleIn(importGraphOf(modules))).to.deep.equal(['/p/src/execute.ts', '/p/src/place/place.ts', '/p/src/execute.ts']);
    });

    it('finds none in a chain', () => {
      const modules = new Map([
        ['/p/src/a.ts', "export * from './b.js';\n"],
        ['/p/src/b.ts', "import type { C } from './c.js';\nexport type B = C;\n"],
        ['/p/src/c.ts', 'export type C = string;\n'],
      ]);
      expect(cycleIn(importGraphOf(modules))).to.equal(undefined);
    });

    for (const src of srcFolders()) {
      it(`has none in ${path.relative(root, src)}`, () => {
        expect(cycleIn(importGraphOf(sourcesUnder(src)))).to.equal(undefined);
      });
    }
  });

  it(`keeps every source file within ${MAX_LINES} lines`, () => {
    const over = srcFolders()
      .flatMap((src) => [...sourcesUnder(src)])
      .map(([file, text]) => ({ file: path.relative(root, file), lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0) }))
      .filter(({ lines }) => lines > MAX_LINES);
    expect(over).to.deep.equal([]);
  });
});
