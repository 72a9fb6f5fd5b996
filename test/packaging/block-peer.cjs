// Preload (`node -r`): makes require() of the optional peer @nestjs/terminus throw.
const Module = require('node:module');

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === '@nestjs/terminus' || request.startsWith('@nestjs/terminus/')) {
    throw new Error('@nestjs/terminus was loaded');
  }
  return resolve.call(this, request, ...rest);
};
