// Builds the publishable package in libs/opencx: ESM (dist/esm) and CommonJS (dist/cjs) outputs,
// each with its type declarations, plus the README and LICENSE the tarball carries (its CHANGELOG
// lives in libs/opencx, where changesets writes it).
// The version lives only in libs/opencx/package.json; src/version.ts is regenerated from it here.
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildUnlessUnchanged, root } from './build-cache.mjs';

const lib = join(root, 'libs/opencx');
const { version } = JSON.parse(readFileSync(join(lib, 'package.json'), 'utf8'));

const versionFile = join(lib, 'src/version.ts');
const versionSource = `// Generated from libs/opencx/package.json by scripts/build-lib.mjs; a unit test keeps them equal.\n/** The version of nestjs-opencx, as in its package.json. */\nexport const VERSION = '${version}';\n`;
if (readFileSync(versionFile, 'utf8') !== versionSource) writeFileSync(versionFile, versionSource);

const inputs = [
  'libs/opencx/src',
  'libs/opencx/package.json',
  'libs/opencx/tsconfig.lib.json',
  'libs/opencx/tsconfig.cjs.json',
  'tsconfig.json',
  'README.md',
  'LICENSE',
  'node_modules/typescript/package.json',
];
const outputs = [
  'libs/opencx/dist/esm/index.js',
  'libs/opencx/dist/cjs/package.json',
  'libs/opencx/README.md',
  'libs/opencx/LICENSE',
];
buildUnlessUnchanged('nestjs-opencx', { inputs, outputs }, () => {
  rmSync(join(lib, 'dist'), { recursive: true, force: true });
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  for (const config of ['tsconfig.lib.json', 'tsconfig.cjs.json']) {
    execFileSync(process.execPath, [tsc, '-p', join(lib, config)], { stdio: 'inherit' });
  }
  // The package is "type": "module"; this marks dist/cjs (code and .d.ts) as CommonJS.
  writeFileSync(join(lib, 'dist/cjs/package.json'), '{ "type": "commonjs" }\n');
  for (const file of ['README.md', 'LICENSE']) copyFileSync(join(root, file), join(lib, file));
  console.log(`built nestjs-opencx ${version} (ESM + CommonJS) into libs/opencx/dist`);
});
