// Most scripts build before they run, and a suite run builds many times over: a build whose inputs
// (every file it reads, the compiler's version included) are unchanged since its last run is
// skipped. The fingerprint lives in node_modules/.cache, so a fresh install always builds.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(root, 'node_modules/.cache/nestjs-opencx');

function* filesUnder(path) {
  if (!statSync(path).isDirectory()) {
    yield path;
    return;
  }
  for (const entry of readdirSync(path).toSorted()) yield* filesUnder(join(path, entry));
}

function fingerprint(inputs) {
  const hash = createHash('sha256');
  for (const input of inputs) {
    for (const file of filesUnder(join(root, input)))
      hash.update(`${relative(root, file)}\0`).update(readFileSync(file));
  }
  return hash.digest('hex');
}

/**
 * Runs `build` unless every output exists and the inputs (files or folders, from the repository's
 * root) are byte for byte those of the last build of that name.
 */
export function buildUnlessUnchanged(name, { inputs, outputs }, build) {
  const stamp = join(cache, `${name}.sha256`);
  const digest = fingerprint(inputs);
  const fresh = existsSync(stamp) && readFileSync(stamp, 'utf8') === digest;
  if (fresh && outputs.every((output) => existsSync(join(root, output)))) {
    console.log(`${name}: inputs unchanged since the last build, not built again`);
    return;
  }
  rmSync(stamp, { force: true });
  build();
  mkdirSync(cache, { recursive: true });
  writeFileSync(stamp, digest);
}
