// `node --import`: makes importing the optional peer @nestjs/terminus throw.
import { register } from 'node:module';

register('./block-peer-hooks.mjs', import.meta.url);
