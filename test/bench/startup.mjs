// Measure 3: start-up. The same small app written two ways, each started in fresh Node processes,
// interleaved: with OpenCxModule.forRoot, and by hand with @nestjs/axios. Time to ready is the
// child's own clock at ready (from process start). The OpenCX app also runs with the optional
// peers (redis, @nestjs/terminus) made unloadable: it must start all the same.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fmt, here, inRounds, median, medianRatio, row, QUICK } from './lib.mjs';

function readyMs(app, blockPeers = false) {
  const args = [
    ...(blockPeers ? ['--import', join(here, '../packaging/block-peer.mjs')] : []),
    join(here, 'startup-app.mjs'),
  ];
  const child = spawnSync(process.execPath, args, { env: { ...process.env, APP: app }, encoding: 'utf8' });
  const ready = /ready ([\d.]+)/.exec(child.stdout);
  if (child.status !== 0 || !ready) throw new Error(`${app} app did not start: ${child.stderr.slice(-1000)}`);
  return Number(ready[1]);
}

export async function startup() {
  const values = await inRounds(
    { opencx: async () => readyMs('opencx'), 'by hand': async () => readyMs('by-hand') },
    QUICK ? 3 : 9,
  );
  const ratio = medianRatio(values, 'opencx', 'by hand');
  let peersUnloaded = true;
  try {
    readyMs('opencx', true);
  } catch {
    peersUnloaded = false;
  }
  return [
    row(
      '3. start-up: OpenCxModule app / @nestjs/axios app',
      `${fmt(ratio, 2)}×`,
      '≤ 1.3×',
      ratio <= 1.3,
      `median ${fmt(median(values.opencx))} ms against ${fmt(median(values['by hand']))} ms to ready`,
    ),
    row(
      '3. start-up: optional peers loaded without their option',
      peersUnloaded ? 'none' : 'some',
      'none',
      peersUnloaded,
      'the app starts with redis and @nestjs/terminus unresolvable',
    ),
  ];
}
