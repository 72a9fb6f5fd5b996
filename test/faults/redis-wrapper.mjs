// A node-redis client as each simulated instance hands it to the library (the `redis` option takes
// a connected client), wrapped for two things the harness needs from outside the library:
// - Redis's clock, stepped: every script's `redis.call('TIME')` reads TIME plus the offset (ms) the
//   harness keeps at TIME_OFFSET_KEY, so all instances see the same step at the same moment. Scripts
//   sent by EVAL or loaded by SCRIPT LOAD are rewritten; an EVALSHA of an original script's SHA runs
//   its rewritten text once the wrapper has seen that text, and answers NOSCRIPT (from the server)
//   before, so a store that falls back to EVAL on NOSCRIPT sends the text and is rewritten too.
// - The commands this instance sends, counted (the idle check's per-instance figure).
// MULTI blocks and clients made with `duplicate()` are passed through untouched.
import { createHash } from 'node:crypto';

/** Where the harness keeps Redis's clock offset in ms (outside the library's `opencx:` keys). */
export const TIME_OFFSET_KEY = 'opencx-sim:time-offset';

const TIME_CALL = /redis\.(p?call)\(\s*(['"])time\2\s*\)/gi;
const HELPER =
  "local function opencx_sim_time() local t = redis.call('TIME') " +
  `local o = tonumber(redis.call('GET', '${TIME_OFFSET_KEY}')) or 0 ` +
  'local us = tonumber(t[1]) * 1000000 + tonumber(t[2]) + math.floor(o * 1000) ' +
  'return {tostring(math.floor(us / 1000000)), tostring(us % 1000000)} end ';

const sha1 = (text) => createHash('sha1').update(text).digest('hex');
/** A SHA no script has: EVALSHA of it gets the server's own NOSCRIPT error, as a store expects it. */
const unknownSha = (sha) => sha1(`opencx-sim:never-loaded:${sha}`);

/** `script` with every TIME call offset; the helper goes after a `#!lua` line, which must stay first. */
export function offsetTime(script) {
  const body = script.replace(TIME_CALL, 'opencx_sim_time()');
  if (body === script) return script;
  if (!body.startsWith('#!')) return HELPER + body;
  const newline = body.indexOf('\n');
  return `${body.slice(0, newline + 1)}${HELPER}${body.slice(newline + 1)}`;
}

// Lifecycle and event methods: not Redis commands, so not counted.
const NOT_COMMANDS = new Set([
  'on',
  'once',
  'off',
  'addListener',
  'removeListener',
  'removeAllListeners',
  'prependListener',
  'prependOnceListener',
  'emit',
  'listeners',
  'rawListeners',
  'listenerCount',
  'eventNames',
  'setMaxListeners',
  'getMaxListeners',
  'connect',
  'disconnect',
  'destroy',
  'close',
  'quit',
  'QUIT',
  'duplicate',
  'withTypeMapping',
  'withCommandOptions',
  'withAbortSignal',
  'asap',
  'ref',
  'unref',
  'multi',
  'MULTI',
]);

const EVAL_NAMES = new Set(['eval', 'EVAL', 'evalRo', 'EVAL_RO']);
const EVALSHA_NAMES = new Set(['evalSha', 'EVALSHA', 'evalShaRo', 'EVALSHA_RO']);
const LOAD_NAMES = new Set(['scriptLoad', 'SCRIPT_LOAD']);
const FUNCTION_LOAD_NAMES = new Set(['functionLoad', 'FUNCTION_LOAD']);

/** What a wrapper knows of the scripts it has seen: each original's SHA → its rewritten text. */
function scripts() {
  const rewritten = new Map();
  const loaded = new Set();
  return {
    /** The rewritten text of `script`, remembered under the original's SHA. */
    remember: (script) => {
      const text = offsetTime(script);
      rewritten.set(sha1(script), text);
      loaded.add(sha1(text));
      return text;
    },
    /** The SHA to send for `sha`: its rewritten text's, a rewritten script's own, or one that is never loaded. */
    mapSha: (sha) => {
      const key = String(sha).toLowerCase();
      const text = rewritten.get(key);
      if (text !== undefined) return sha1(text);
      return loaded.has(key) ? key : unknownSha(key);
    },
  };
}

/**
 * Wraps a connected node-redis client. Returns the client to give the library and `commands()`,
 * the number of commands it has sent through the wrapper.
 */
export function wrapNodeRedis(client) {
  const { remember, mapSha } = scripts();
  let commands = 0;

  const sendCommand = async (args, ...rest) => {
    const parts = [...args];
    const name = String(parts[0] ?? '').toUpperCase();
    const sub = String(parts[1] ?? '').toUpperCase();
    if ((name === 'EVAL' || name === 'EVAL_RO') && parts.length > 1) parts[1] = remember(String(parts[1]));
    else if ((name === 'EVALSHA' || name === 'EVALSHA_RO') && parts.length > 1) parts[1] = mapSha(parts[1]);
    else if (name === 'SCRIPT' && sub === 'LOAD' && parts.length > 2) {
      const original = String(parts[2]);
      await client.sendCommand(['SCRIPT', 'LOAD', remember(original)], ...rest);
      return sha1(original);
    } else if (name === 'FUNCTION' && sub === 'LOAD') {
      parts[parts.length - 1] = offsetTime(String(parts.at(-1)));
    }
    return client.sendCommand(parts, ...rest);
  };

  const wrapped = new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || typeof value !== 'function') return value;
      if (property.startsWith('_') || NOT_COMMANDS.has(property) || property === 'constructor') {
        return value.bind(target);
      }
      return (...args) => {
        commands++;
        if (property === 'sendCommand') return sendCommand(...args);
        if (EVAL_NAMES.has(property)) return value.call(target, remember(String(args[0])), ...args.slice(1));
        if (EVALSHA_NAMES.has(property)) return value.call(target, mapSha(args[0]), ...args.slice(1));
        if (LOAD_NAMES.has(property)) {
          const original = String(args[0]);
          return value.call(target, remember(original)).then(() => sha1(original));
        }
        if (FUNCTION_LOAD_NAMES.has(property)) return value.call(target, offsetTime(String(args[0])), ...args.slice(1));
        return value.apply(target, args);
      };
    },
  });
  return { client: wrapped, commands: () => commands };
}

/**
 * Wraps a connected ioredis or iovalkey client in place: `defineCommand`'s scripts are rewritten when
 * defined, every other script as it goes through `sendCommand`. The client itself is returned, so
 * the library sees the same object it would in production.
 */
export function wrapIoRedis(client) {
  const { remember, mapSha } = scripts();
  // defineCommand's scripts choose EVAL or EVALSHA as they are written out: rewritten at definition.
  const define = client.defineCommand.bind(client);
  client.defineCommand = (name, definition) => define(name, { ...definition, lua: offsetTime(String(definition.lua)) });
  const send = client.sendCommand.bind(client);
  let commands = 0;
  client.sendCommand = (command, ...rest) => {
    commands++;
    const name = String(command?.name ?? '').toLowerCase();
    const args = command?.args;
    const sub = String(args?.[0] ?? '').toLowerCase();
    if (Array.isArray(args) && args.length > 0) {
      if (name === 'eval' || name === 'eval_ro') args[0] = remember(String(args[0]));
      else if (name === 'evalsha' || name === 'evalsha_ro') args[0] = mapSha(args[0]);
      else if (name === 'script' && sub === 'load' && args.length > 1) args[1] = remember(String(args[1]));
      else if (name === 'function' && sub === 'load') args[args.length - 1] = offsetTime(String(args.at(-1)));
    }
    return send(command, ...rest);
  };
  return { client, commands: () => commands };
}
