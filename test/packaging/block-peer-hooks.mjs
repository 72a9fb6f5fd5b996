// The optional peers, which the main and testing entry points must never load.
const blocked = (specifier) =>
  specifier === '@nestjs/terminus' ||
  specifier.startsWith('@nestjs/terminus/') ||
  specifier === 'redis' ||
  specifier.startsWith('@redis/');

export async function resolve(specifier, context, next) {
  if (blocked(specifier)) throw new Error(`${specifier} was loaded`);
  return next(specifier, context);
}
