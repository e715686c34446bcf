/**
 * The names a package entry exports, values and types, as TypeScript resolves them (re-exports and
 * `export *` followed). The packages' public-api tests pin these lists, so that a new export, or one
 * gone, is a conscious change to the package's surface rather than a side effect.
 */
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `value X` or `type X` for every export of `entry` (a path from the repo root), sorted. */
export function publicExports(entry: string): string[] {
  const file = `${ROOT}${entry}`;
  const program = ts.createProgram([file], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: ['node'],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    baseUrl: ROOT,
    paths: {
      '@callmos/core': ['packages/core/src/index.ts'],
      '@callmos/core/dsp': ['packages/core/src/dsp/index.ts'],
      '@callmos/core/pipeline': ['packages/core/src/pipeline.ts'],
      '@callmos/node': ['packages/node/src/index.ts'],
    },
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  if (!source) throw new Error(`${entry}: not found`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error(`${entry}: not a module`);
  return checker
    .getExportsOfModule(moduleSymbol)
    .map((exported) => {
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if ((target.flags & (ts.SymbolFlags.Value | ts.SymbolFlags.Type)) === 0) throw new Error(`${entry}: export ${exported.name} does not resolve`);
      return `${target.flags & ts.SymbolFlags.Value ? 'value' : 'type'} ${exported.name}`;
    })
    .sort();
}
