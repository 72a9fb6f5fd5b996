import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ENTRY_POINTS = ['index.ts', 'testing/index.ts', 'terminus/index.ts', 'redis/index.ts'];
const MAX_MAIN_EXPORTS = 35;

/** Every name an entry point exports, with its TSDoc (empty when it has none). */
function exportsOf(program: ts.Program, file: string): Array<{ name: string; doc: string }> {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const module = source && checker.getSymbolAtLocation(source);
  if (!module) throw new Error(`cannot read ${file}`);
  return checker.getExportsOfModule(module).map((symbol) => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return { name: symbol.getName(), doc: ts.displayPartsToString(target.getDocumentationComment(checker)).trim() };
  });
}

describe('the public API', () => {
  const files = ENTRY_POINTS.map((entry) => fileURLToPath(new URL(entry, import.meta.url)));
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    experimentalDecorators: true,
    skipLibCheck: true,
    noEmit: true,
  });

  it(`exports at most ${MAX_MAIN_EXPORTS} names from nestjs-opencx`, () => {
    const names = exportsOf(program, files[0] ?? '').map(({ name }) => name);
    expect(names.length).toBeLessThanOrEqual(MAX_MAIN_EXPORTS);
    // Internals and test helpers stay out of the main entry point.
    for (const internal of [
      'createOpenCxApiError',
      'OpenCxApiErrorInit',
      'AUTHENTICATE_USER_FIELDS',
      'OPENCX_HTTP_SERVICE',
    ])
      expect(names).not.toContain(internal);
  });

  it.each(ENTRY_POINTS)('documents every export of %s with TSDoc', (entry) => {
    const undocumented = exportsOf(program, files[ENTRY_POINTS.indexOf(entry)] ?? '')
      .filter(({ doc }) => doc === '')
      .map(({ name }) => name);
    expect(undocumented).toEqual([]);
  });
});
