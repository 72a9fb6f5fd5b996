// `npm run start:dev`: the sample app in watch mode, rebuilding the library too. The library's
// ESM build recompiles on change (tsc --watch) and the app restarts when it does (node
// --watch-path on the library's output) or when its own sources change (nest start --watch).
// Without OPENCX_API_KEY in the environment it runs against the fake OpenCX, like `npm run demo`.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';

const env = { ...process.env };
const children = [];
const run = (command, args, options = {}) => {
  const child = spawn(command, args, { stdio: 'inherit', env, ...options });
  children.push(child);
  return child;
};

if (!env.OPENCX_API_KEY) {
  env.OPENCX_API_KEY = `dev_org_${randomBytes(8).toString('hex')}`;
  env.OPENCX_BASE_URL = 'http://127.0.0.1:8080';
  env.SAMPLE_API_KEYS ??= 'dev_service_key_0123456789';
  env.JWT_SECRET ??= 'dev_jwt_secret_0123456789abcdef0123456789';
  env.HOST ??= '127.0.0.1';
  console.log(`No OPENCX_API_KEY: using the fake OpenCX on ${env.OPENCX_BASE_URL}; x-api-key: ${env.SAMPLE_API_KEYS}`);
  run('npx', ['--no-install', 'nestjs-opencx-fake', '--port', '8080', '--api-key', env.OPENCX_API_KEY]);
}
run('npx', ['tsc', '-p', 'libs/opencx/tsconfig.lib.json', '--watch', '--preserveWatchOutput']);
run('npx', [
  'nest',
  'start',
  'sample',
  '--watch',
  '--preserveWatchOutput',
  '--exec',
  'node --watch-path=libs/opencx/dist/esm',
]);

const stop = () => {
  for (const child of children) child.kill('SIGTERM');
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
