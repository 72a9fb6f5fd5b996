// A small seeded random source (sfc32, seeded through splitmix32), so a seed always draws the same
// plan on any machine and Node version: Math.random cannot be seeded.

/** One 32-bit step of splitmix32, to spread a seed over sfc32's state. */
function splitmix(state) {
  let z = (state + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A random source drawn from `seed` (an integer). Each helper consumes the stream in a fixed way,
 * so the same calls in the same order give the same values.
 */
export function seeded(seed) {
  let s = splitmix(seed >>> 0);
  let a = s;
  s = splitmix(s);
  let b = s;
  s = splitmix(s);
  let c = s;
  s = splitmix(s);
  let d = s;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // Burn in: the first outputs of a fresh state are correlated with the seed.
  for (let i = 0; i < 12; i++) next();
  const random = {
    /** A float in [0, 1). */
    float: next,
    /** An integer from `min` to `max`, both included. */
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    /** True with probability `p`. */
    chance: (p) => next() < p,
    /** One element of `items`. */
    pick: (items) => items[Math.floor(next() * items.length)],
    /** One key of `weights` ({ name: weight }), drawn by weight. */
    weighted: (weights) => {
      const entries = Object.entries(weights);
      let left = next() * entries.reduce((sum, [, w]) => sum + w, 0);
      for (const [name, w] of entries) {
        left -= w;
        if (left < 0) return name;
      }
      return entries.at(-1)[0];
    },
    /** A new source drawn from this one: a part of the plan that can grow without shifting the others. */
    fork: () => seeded(Math.floor(next() * 4294967296)),
  };
  return random;
}
