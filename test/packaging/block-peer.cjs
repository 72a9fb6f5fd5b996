// Preload (`node -r`): makes require() of an optional peer (@nestjs/terminus, redis) throw.
// The loader's own hook point: there is no public API for blocking a require().
/* oxlint-disable no-underscore-dangle */
const Module = require('node:module');

const blocked = (request) =>
  request === '@nestjs/terminus' ||
  request.startsWith('@nestjs/terminus/') ||
  request === 'redis' ||
  request.startsWith('@redis/');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (blocked(request)) throw new Error(`${request} was loaded`);
  return resolve.call(this, request, ...rest);
};
