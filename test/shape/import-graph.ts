import path from 'node:path';
import ts from 'typescript';

/** Each module with the modules among the same set it imports. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/**
 * The relative imports between the given modules (path -> source text), type-only imports and
 * re-exports included: a cycle of types is a cycle of the design too. './x.js' is the module x.ts
 * (the project writes every relative import with its .js extension).
 */
export function importGraphOf(modules: ReadonlyMap<string, string>): ImportGraph {
  const graph = new Map<string, string[]>();
  for (const [file, text] of modules) {
    const imported = ts
      .preProcessFile(text, true, true)
      .importedFiles.map(({ fileName }) => fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => path.join(path.dirname(file), name).replace(/\.js$/, '.ts'))
      .filter((target) => modules.has(target));
    graph.set(file, imported);
  }
  return graph;
}

/** One cycle of the graph as the nodes along it, the first repeated at the end; undefined when there is none. */
export function cycleIn(graph: ImportGraph): string[] | undefined {
  const done = new Set<string>();
  const route: string[] = [];
  const visit = (node: string): string[] | undefined => {
    const at = route.indexOf(node);
    if (at >= 0) return [...route.slice(at), node];
    if (done.has(node)) return undefined;
    route.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    route.pop();
    done.add(node);
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}
