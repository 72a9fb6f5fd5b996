// webpack's own name for Node's `require` has dangling underscores.
/* oxlint-disable no-underscore-dangle */

/** Node's `require`, as webpack names it in a bundle (which it does not bundle from); undefined elsewhere. */
declare const __non_webpack_require__: ((id: string) => unknown) | undefined;

/**
 * Loads an optional peer dependency at run time from `node_modules`, or resolves undefined when it
 * is not installed. Bundlers leave the call alone, so an app bundled without the peer still builds
 * and runs: webpack (which fails the build on a `require('redis')` it cannot resolve) knows its
 * `typeof` check while bundling and keeps Node's own `require`, and esbuild does not follow an
 * `import()` of a variable.
 */
export async function importOptional<T>(specifier: string): Promise<T | undefined> {
  try {
    return (await (typeof __non_webpack_require__ === 'function'
      ? __non_webpack_require__(specifier)
      : import(/* webpackIgnore: true */ specifier))) as T;
  } catch {
    return undefined;
  }
}
