import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ENTRY_POINTS = ['index.ts', 'testing/index.ts', 'terminus/index.ts', 'redis/index.ts'];
/** Classes, functions and constants of the main entry; types may grow to what a store, filter or test needs. */
const MAX_MAIN_VALUES = 25;

/** Every name an entry point exports, with its TSDoc (empty when it has none). */
function exportsOf(program: ts.Program, file: string): Array<{ name: string; doc: string; value: boolean }> {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const module = source && checker.getSymbolAtLocation(source);
  if (!module) throw new Error(`cannot read ${file}`);
  return checker.getExportsOfModule(module).map((symbol) => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    // `export { type X }` gives users no value, even when X is a class.
    const typeOnly = symbol.declarations?.some((node) => ts.isTypeOnlyExportDeclaration(node)) ?? false;
    return {
      name: symbol.getName(),
      doc: ts.displayPartsToString(target.getDocumentationComment(checker)).trim(),
      value: !typeOnly && (target.flags & ts.SymbolFlags.Value) !== 0,
    };
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

  it(`exports at most ${MAX_MAIN_VALUES} values from nestjs-opencx`, () => {
    const exported = exportsOf(program, files[0] ?? '');
    const names = exported.map(({ name }) => name);
    expect(exported.filter(({ value }) => value).length).toBeLessThanOrEqual(MAX_MAIN_VALUES);
    // Internals and test helpers stay out of the main entry point.
    for (const internal of [
      'createOpenCxApiError',
      'OpenCxApiErrorInit',
      'AUTHENTICATE_USER_FIELDS',
      'OPENCX_HTTP_SERVICE',
    ])
      expect(names).not.toContain(internal);
  });

  it('exports what a custom fleet store is written from, and from nestjs-opencx/redis only the store and its client types', () => {
    const main = exportsOf(program, files[0] ?? '').map(({ name }) => name);
    for (const type of [
      'OpenCxFleetStore',
      'OpenCxSlotRequest',
      'OpenCxReservation',
      'OpenCxStoreLookup',
      'OpenCxSendOutcome',
    ])
      expect(main).toContain(type);
    expect(main).not.toContain('MemoryFleetStore');
    const redis = exportsOf(program, files[3] ?? '').map(({ name }) => name);
    expect(redis.toSorted((a, b) => a.localeCompare(b))).toEqual([
      'IoRedisClient',
      'NodeRedisClient',
      'OpenCxRedisClient',
      'RedisFleetStore',
      'RedisFleetStoreOptions',
    ]);
  });

  it('exports the types of its public fields: field errors, the error body, the contact, the extras, the attempt listener', () => {
    const main = exportsOf(program, files[0] ?? '');
    for (const type of [
      'OpenCxFieldError',
      'OpenCxErrorBody',
      'OpenCxContactDto',
      'OpenCxModuleExtras',
      'OpenCxAttemptListener',
      'OpenCxAttemptOutcome',
    ])
      expect(main.find(({ name }) => name === type)).toEqual(expect.objectContaining({ value: false }));
  });

  it.each(ENTRY_POINTS)('documents every export of %s with TSDoc', (entry) => {
    const undocumented = exportsOf(program, files[ENTRY_POINTS.indexOf(entry)] ?? '')
      .filter(({ doc }) => doc === '')
      .map(({ name }) => name);
    expect(undocumented).toEqual([]);
  });
});
