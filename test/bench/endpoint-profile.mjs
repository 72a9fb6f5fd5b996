// Splits a server's CPU profile (`--cpu-prof`) into the parts of a request, in µs per request, so
// measure 3 can say where the sample's extra time goes. Only samples taken while the load ran count.
import { readFileSync } from 'node:fs';

/**
 * Parts of a request's path, by the script a profiled frame comes from. Middleware calls the next
 * one from inside itself, so a sample belongs to the innermost frame that is neither Node's own
 * code nor native: time in Node's `setHeader` called by helmet is helmet's, time in undici called
 * by the library is undici's, time in the body parser called by the request logger's `next()` is
 * the body parser's.
 */
const PARTS = [
  ['request log', /console-logger|json-console\.logger|request-logger/],
  ['security headers', /helmet|security-headers/],
  ['throttling', /throttler|rate-limiter-flexible/],
  ['API-key guard', /api-key\.guard|auth\/caller\.js/],
  ['validation pipe', /hardened-validation|validation\.pipe|pipes-consumer/],
  ['undici (to OpenCX)', /undici/],
  ['nestjs-opencx (validation included)', /libs\/opencx|nestjs-opencx|class-validator|validator\/lib/],
  ['forwarding (bare handler)', /bench\/bare-app/],
  ['body parsing', /body-parser|raw-body|iconv-lite|type-is|content-type|media-typer/],
  ['Nest routing', /@nestjs\/core|@nestjs\/platform-express|@nestjs\/common|rxjs/],
  ['Express (response writing included)', /express\/|router\/|finalhandler|parseurl|on-finished|send\//],
];
const NODE_HTTP = /node:_http|node:net|node:internal\/streams|node:stream|stream_base/;

function partOf(stack) {
  for (const url of stack) {
    if (url === '' || url.startsWith('node:')) continue;
    for (const [part, pattern] of PARTS) if (pattern.test(url)) return part;
  }
  return stack.some((url) => NODE_HTTP.test(url)) ? 'Node HTTP and sockets' : 'other';
}

/**
 * CPU time per request by part, from a `.cpuprofile`, counting the samples taken within `windows`
 * (`[from, to]` pairs, µs since the profile started) over the `requests` served in them. Idle time is left out; GC and native work that no
 * JavaScript frame called (the HTTP parser fed by the event loop, say) are parts of their own.
 */
export function cpuByPart(file, windows, requests) {
  const { nodes, samples, timeDeltas } = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const stackCache = new Map();
  const stackOf = (id) => {
    let stack = stackCache.get(id);
    if (!stack) {
      stack = [];
      for (let at = id; at !== undefined; at = parent.get(at)) stack.push(byId.get(at).callFrame.url);
      stackCache.set(id, stack);
    }
    return stack;
  };
  const parts = new Map();
  let clock = 0;
  for (let i = 0; i < samples.length; i++) {
    const delta = timeDeltas[i] ?? 0;
    clock += delta;
    if (!windows.some(([from, to]) => clock >= from && clock <= to)) continue;
    const name = byId.get(samples[i]).callFrame.functionName;
    if (name === '(idle)') continue;
    const part =
      name === '(garbage collector)'
        ? 'garbage collection'
        : name === '(program)'
          ? 'native, outside JavaScript'
          : partOf(stackOf(samples[i]));
    parts.set(part, (parts.get(part) ?? 0) + delta);
  }
  return new Map([...parts].map(([part, micros]) => [part, micros / requests]));
}
