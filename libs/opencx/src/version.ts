// Generated from libs/opencx/package.json by scripts/build-lib.mjs; a unit test keeps them equal.
/** The version of nestjs-opencx, as in its package.json. */
export const VERSION = '0.1.0';
