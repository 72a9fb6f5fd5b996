// The table of the library's source folders in docs/architecture.md: each folder's line count
// (specs excluded) and why it exists. `--write` renews the table; without it, a stale table or a
// folder with no reason fails.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE = join(ROOT, 'libs/opencx/src');
const DOC = join(ROOT, 'docs/architecture.md');
const START = '<!-- source-folders:start -->';
const END = '<!-- source-folders:end -->';

/** Why each folder exists, in one line. A new folder needs its line here. */
export const REASONS = {
  '.': 'the module, its options (types and defaults, one rule table, one reader), the service, the providers, the Retry-After interceptor, the public entry',
  cache: 'the token cache (LRU in a `Map`, sealed entries for shared stores) and the cache-then-single-flight step',
  call: 'one call: its plan, one flight per payload, the attempt loop and when a failure may be retried, what each attempt reports',
  contacts: 'the contacts requests (`PATCH`, paged `GET`, `DELETE`) and the checks of their answers',
  dto: "OpenCX's wire format as DTOs: validation rules, bounds, Swagger metadata",
  errors: 'a class per failure, and the scrubber that keeps secrets out of kept upstream text',
  health: 'what the library knows of OpenCX, and the check built on it',
  http: "the transport over `@nestjs/axios`'s `HttpService`: keep-alive, a reused socket's drop, the answer's body, `Retry-After`",
  input: 'a plain-data copy of the input, validated once, without running its getters twice',
  interfaces: 'the input and per-call option types',
  pipes: '`OpenCxValidationPipe`: a bounded 400 naming the field',
  'rate-limit': 'the client-side limiter: a sliding log per API key, booked up to `maxWait` ahead',
  redis:
    '`nestjs-opencx/redis`: the fleet store in Redis (scripts, fleet clock and membership, client adapters, breaker)',
  store: 'the fleet store interface and the in-memory store every registration starts with',
  swagger: 'the error responses for your OpenAPI document',
  telemetry: 'one reporting interface, and its OpenTelemetry implementation, loaded only when the API is installed',
  terminus: '`nestjs-opencx/terminus`: the health indicator',
  testing:
    '`nestjs-opencx/testing`: the fake OpenCX server and CLI, the service mock, the testing module, the store contract suite',
  util: 'the deadline, the monotonic clock, canonical JSON for cache keys, optional imports, token expiry, integer options from the environment, ISO 8601 times',
};

const folderName = (folder) => (folder === '.' ? 'src/' : `${folder}/`);

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Lines and files per top-level folder of the library's source ('.' for the files at its root). */
export function countLines(dir = SOURCE) {
  const folders = new Map();
  for (const file of sourceFiles(dir)) {
    const parts = relative(dir, file).split(sep);
    const folder = parts.length > 1 ? parts[0] : '.';
    const lines = readFileSync(file, 'utf8').split('\n').length - 1;
    const counted = folders.get(folder) ?? { lines: 0, files: 0 };
    folders.set(folder, { lines: counted.lines + lines, files: counted.files + 1 });
  }
  return [...folders]
    .map(([folder, counted]) => ({ folder, ...counted }))
    .toSorted((a, b) => a.folder.localeCompare(b.folder));
}

/** The table as markdown, and the folders that have no reason. */
export function table(counts = countLines(), reasons = REASONS) {
  const missing = counts.filter(({ folder }) => !reasons[folder]).map(({ folder }) => folder);
  const sum = (key) => counts.reduce((total, row) => total + row[key], 0);
  const rows = counts.map(
    ({ folder, lines, files }) => `| \`${folderName(folder)}\` | ${lines} | ${files} | ${reasons[folder] ?? ''} |`,
  );
  const text = [
    '| folder | lines | files | why |',
    '| --- | --: | --: | --- |',
    ...rows,
    `| all | ${sum('lines')} | ${sum('files')} | |`,
  ];
  return { text: text.join('\n'), missing };
}

/** `doc` with the table between its markers replaced, formatted as the repository's prettier does. */
export async function renewed(doc, text) {
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/architecture.md has no ${START} … ${END} markers`);
  const next = `${doc.slice(0, start + START.length)}\n\n${text}\n\n${doc.slice(end)}`;
  const config = (await resolveConfig(DOC)) ?? {};
  return format(next, { ...config, filepath: DOC });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { text, missing } = table();
  if (missing.length > 0) {
    console.error(`scripts/source-folders.mjs: no reason for ${missing.join(', ')}: add one to REASONS`);
    process.exit(1);
  }
  const doc = readFileSync(DOC, 'utf8');
  const next = await renewed(doc, text);
  if (process.argv.includes('--write')) writeFileSync(DOC, next);
  else if (next !== doc) {
    console.error(
      'docs/architecture.md: the source folders table is stale; run node scripts/source-folders.mjs --write',
    );
    process.exit(1);
  } else console.log('docs/architecture.md: the source folders table is current');
}
