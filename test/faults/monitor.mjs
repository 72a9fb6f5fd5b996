// Counts the commands clients send Redis over a stretch, by client, through MONITOR on a connection
// of its own. INFO's totals cannot serve: they count the commands a Lua script runs too, and say
// nothing of who sent what. MONITOR marks a script's own commands "lua"; those are left out.
// A command that names a key of a contact or a limiter key (keys.mjs) is counted apart: an idle
// instance that has forgotten its keys sends only what keeps the fleet (its heartbeat).
import { connect } from 'node:net';
import { sleep } from './clock.mjs';
import { classify } from './keys.mjs';

const LINE = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] "([^"]*)"/;
/** MONITOR's quoted arguments (a quote or backslash inside one is escaped with a backslash). */
const ARGUMENT = /"((?:[^"\\]|\\.)*)"/g;

/** Whether a MONITOR line's command names a key of a contact or of a limiter key. */
function namesPerKeyKey(line) {
  for (const [, argument] of line.matchAll(ARGUMENT)) {
    const family = classify(argument.replace(/\\(.)/g, '$1'))?.row.family;
    if (family === 'contact' || family === 'limiter') return true;
  }
  return false;
}

/**
 * Watches Redis at `url` for `ms`. Returns { total, byClient: { name or address: count }, commands:
 * { name: count }, perKey: { name or address: count } } (perKey: the commands naming a key of a
 * contact or a limiter key). Clients are named by CLIENT LIST's `name` where they set one.
 */
export async function countCommands(url, ms) {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  let buffer = '';
  const byAddress = new Map();
  const perKeyByAddress = new Map();
  const byCommand = new Map();
  let started;
  const watching = new Promise((resolve) => (started = resolve));
  let stopped = false;
  socket.on('data', (chunk) => {
    if (stopped) return;
    buffer += chunk.toString('utf8');
    let newline;
    while ((newline = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 2);
      if (line === '+OK') started();
      const match = LINE.exec(line);
      if (!match || match[1] === 'lua') continue;
      byAddress.set(match[1], (byAddress.get(match[1]) ?? 0) + 1);
      if (namesPerKeyKey(line)) perKeyByAddress.set(match[1], (perKeyByAddress.get(match[1]) ?? 0) + 1);
      const command = match[2].toLowerCase();
      byCommand.set(command, (byCommand.get(command) ?? 0) + 1);
    }
  });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write('MONITOR\r\n');
  await Promise.race([watching, sleep(1_000)]);
  await sleep(ms);
  stopped = true;
  const names = await clientNames(url);
  socket.destroy();
  const byName = (counts) => {
    const out = {};
    for (const [address, count] of counts) {
      const name = names.get(address) || address;
      out[name] = (out[name] ?? 0) + count;
    }
    return out;
  };
  const total = [...byAddress.values()].reduce((sum, count) => sum + count, 0);
  return {
    total,
    byClient: byName(byAddress),
    perKey: byName(perKeyByAddress),
    commands: Object.fromEntries(byCommand),
  };
}

/** CLIENT LIST's address → name, read once the count has stopped. */
async function clientNames(url) {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  let text = '';
  socket.on('data', (chunk) => (text += chunk.toString('latin1')));
  socket.write('CLIENT LIST\r\n');
  // A bulk reply: $<length>, then that many bytes.
  const complete = () => {
    const header = /^\$(\d+)\r\n/.exec(text);
    return header !== null && text.length >= header[0].length + Number(header[1]);
  };
  for (let i = 0; i < 200 && !complete(); i++) await sleep(10);
  socket.destroy();
  const names = new Map();
  for (const line of text.split('\n')) {
    const address = / addr=(\S+)/.exec(line)?.[1];
    if (address) names.set(address, / name=(\S*)/.exec(line)?.[1] ?? '');
  }
  return names;
}
