// Types of package-tree.mjs, for the TypeScript test that reads the table.
export declare const allowedImports: Readonly<Record<string, readonly string[]>>;
export declare const withoutExpress: readonly string[];
