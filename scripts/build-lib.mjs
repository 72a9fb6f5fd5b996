// Builds the publishable package in libs/opencx/dist: ESM output with type declarations.
// The version lives only in libs/opencx/package.json; src/version.ts is regenerated from it here.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lib = join(root, 'libs/opencx');
const { version } = JSON.parse(readFileSync(join(lib, 'package.json'), 'utf8'));

const versionFile = join(lib, 'src/version.ts');
const versionSource = `// Generated from libs/opencx/package.json by scripts/build-lib.mjs; a unit test keeps them equal.\nexport const VERSION = '${version}';\n`;
if (readFileSync(versionFile, 'utf8') !== versionSource) writeFileSync(versionFile, versionSource);

rmSync(join(lib, 'dist'), { recursive: true, force: true });
const tsc = join(root, 'node_modules/typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(lib, 'tsconfig.lib.json')], { stdio: 'inherit' });
console.log(`built nestjs-opencx ${version} into libs/opencx/dist`);
