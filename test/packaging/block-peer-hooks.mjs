export async function resolve(specifier, context, next) {
  if (specifier === '@nestjs/terminus' || specifier.startsWith('@nestjs/terminus/')) {
    throw new Error('@nestjs/terminus was loaded');
  }
  return next(specifier, context);
}
