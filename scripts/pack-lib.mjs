// `npm run pack:lib`: the npm tarball of libs/opencx, written to dist/ (made if missing, so the
// script works from a fresh clone in any order). Packed aside, then renamed into place: suites that
// pack side by side (CI runs packaging and the scaffold at once) never read a half-written tarball.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
mkdirSync(dist, { recursive: true });
const aside = mkdtempSync(join(dist, '.pack-'));
try {
  execFileSync('npm', ['pack', './libs/opencx', '--pack-destination', aside], { cwd: root, stdio: 'inherit' });
  for (const file of readdirSync(aside)) renameSync(join(aside, file), join(dist, file));
} finally {
  rmSync(aside, { recursive: true, force: true });
}
