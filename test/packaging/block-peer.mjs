// `node --import`: makes importing an optional peer (@nestjs/terminus, redis) throw.
import { register } from 'node:module';

register('./block-peer-hooks.mjs', import.meta.url);
