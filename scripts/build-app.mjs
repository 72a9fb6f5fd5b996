// Builds the sample app (`nest build sample`, into dist/apps/sample) against the built library.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { buildUnlessUnchanged, root } from './build-cache.mjs';

const inputs = [
  'apps/sample',
  'nest-cli.json',
  'tsconfig.json',
  'libs/opencx/dist',
  'node_modules/typescript/package.json',
  'node_modules/@nestjs/cli/package.json',
];
buildUnlessUnchanged('sample', { inputs, outputs: ['dist/apps/sample/main.js'] }, () => {
  execFileSync(process.execPath, [join(root, 'node_modules/@nestjs/cli/bin/nest.js'), 'build', 'sample'], {
    cwd: root,
    stdio: 'inherit',
  });
});
