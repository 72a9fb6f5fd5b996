/** An object `levels` deep (itself the first level): `{ a: { a: … } }`, for the depth limits' specs. */
export function nestedObject(levels: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let deep = root;
  for (let i = 1; i < levels; i++) {
    const next: Record<string, unknown> = {};
    deep.a = next;
    deep = next;
  }
  return root;
}
