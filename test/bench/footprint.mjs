// Measure 4: footprint. What `npm install nestjs-opencx` adds to an app that already has the
// package's peers: packages and unpacked bytes, counted in node_modules before and after.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, here, row } from './lib.mjs';

const PEERS = [
  '@nestjs/common@12',
  '@nestjs/core@12',
  '@nestjs/axios@12',
  '@nestjs/swagger@12',
  'axios@1',
  'class-validator@0.15',
  'class-transformer@0.5',
  'reflect-metadata@0.2',
  'rxjs@7',
];

/** Every installed package (a folder with a package.json) and the bytes under node_modules. */
function inventory(dir) {
  const packages = new Set();
  let bytes = 0;
  const walk = (path) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        bytes += statSync(full).size;
        if (entry.name === 'package.json' && /node_modules\/(@[^/]+\/)?[^/@]+$/.test(path)) packages.add(path);
      }
    }
  };
  walk(join(dir, 'node_modules'));
  return { packages, bytes };
}

export async function footprint() {
  const { version } = JSON.parse(readFileSync(join(here, '../../libs/opencx/package.json'), 'utf8'));
  const tarball = join(here, `../../dist/nestjs-opencx-${version}.tgz`);
  execFileSync('npm', ['run', 'pack:lib'], { cwd: join(here, '../..'), stdio: 'ignore' });
  const dir = mkdtempSync(join(tmpdir(), 'opencx-footprint-'));
  try {
    writeFileSync(join(dir, 'package.json'), '{ "name": "footprint", "private": true }');
    const npm = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
    execFileSync('npm', [...npm, ...PEERS], { cwd: dir, stdio: 'ignore' });
    const before = inventory(dir);
    execFileSync('npm', [...npm, tarball], { cwd: dir, stdio: 'ignore' });
    const after = inventory(dir);
    const added = [...after.packages].filter((p) => !before.packages.has(p)).map((p) => p.split('node_modules/').pop());
    const bytes = after.bytes - before.bytes;
    return [
      row(
        '4. footprint: packages added beyond the peers',
        String(added.length),
        '≤ 5',
        added.length <= 5,
        added.join(', '),
      ),
      row(
        '4. footprint: bytes added',
        `${fmt(bytes / 1_048_576, 2)} MB`,
        '≤ 2 MB',
        bytes <= 2 * 1_048_576,
        'unpacked, ESM and CommonJS builds with maps',
      ),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
