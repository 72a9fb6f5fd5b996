// Generated from libs/opencx/package.json by scripts/build-lib.mjs; a unit test keeps them equal.
export const VERSION = '0.1.0';
