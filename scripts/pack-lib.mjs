// `npm run pack:lib`: the npm tarball of libs/opencx, written to dist/ (made if missing, so the
// script works from a fresh clone in any order).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(join(root, 'dist'), { recursive: true });
execFileSync('npm', ['pack', './libs/opencx', '--pack-destination', 'dist'], { cwd: root, stdio: 'inherit' });
