// Preload (`node -r`): makes require() of the optional peer @nestjs/terminus throw.
// The loader's own hook point: there is no public API for blocking a require().
/* oxlint-disable no-underscore-dangle */
const Module = require('node:module');

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === '@nestjs/terminus' || request.startsWith('@nestjs/terminus/')) {
    throw new Error('@nestjs/terminus was loaded');
  }
  return resolve.call(this, request, ...rest);
};
