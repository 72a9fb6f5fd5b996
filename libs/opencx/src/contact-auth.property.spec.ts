import { types } from 'node:util';
import * as fc from 'fast-check';
import type { ContactAuthService } from './contact-auth.service.js';
import { AUTHENTICATE_USER_FIELDS } from './dto/authenticate-user.limits.js';
import { OpenCxConfigurationError, OpenCxStoreError, OpenCxValidationError } from './errors/opencx.errors.js';
import { validateAuthenticateUser } from './input/validate-input.js';
import type { RecordedRequest } from './testing/index.js';
import {
  authenticateInput,
  callOptions,
  errorProblem,
  hostileValue,
  leakedSecret,
  printed,
  secretWord,
} from '../test/hostile-input.js';
import { keyEcho, keyReadable } from '../test/key-echoes.js';
import { logged, type LoggedLine } from '../test/logged.js';
import { useOpenCxHarness } from '../test/opencx-harness.js';
import { propertyParameters, propertyTimeout } from '../test/property-runs.js';

// The public promise of the service's entry points, for any input and any upstream answer: a
// token or a typed OpenCxError of bounded size, nothing sent for refused input, and no personal
// value or API key in any error or log line.

const KEY = 'sk_prop_Vq3Lm8Xw2Zr7Tn5Kd9Hb';
const RUNS = propertyParameters(100);

/** Every string inside `value` that the arbitraries made personal, read without running a getter or trap. */
function personalStrings(value: unknown, out: string[] = [], depth = 0): string[] {
  if (typeof value === 'string') {
    if (/cnry|\+\d{8}/.test(value)) out.push(value);
    return out;
  }
  if (value === null || typeof value !== 'object' || types.isProxy(value) || depth > 10) return out;
  for (const descriptor of Object.values(Object.getOwnPropertyDescriptors(value))) {
    if ('value' in descriptor) personalStrings(descriptor.value, out, depth + 1);
  }
  return out;
}

/** Forms an upstream may echo a personal value in, all of which the scrubber removes. */
const ECHO_FORMS: Array<(value: string) => string> = [
  (value) => value,
  (value) => value.toUpperCase(),
  (value) => encodeURIComponent(value),
  (value) => Array.from(value).join('\u200b'),
  (value) => JSON.stringify(value).slice(1, -1),
  (value) => Buffer.from(value).toString('base64'),
];

/** An upstream error answer echoing what it was sent: the key in some altered form, and personal values. */
const upstreamAnswer = fc.option(
  fc.record({
    status: fc.constantFrom(200, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503),
    keyEcho: fc.option(keyEcho(KEY), { nil: undefined }),
    forms: fc.array(fc.nat({ max: ECHO_FORMS.length - 1 }), { minLength: 1, maxLength: 3 }),
    asList: fc.boolean(),
  }),
  { nil: undefined },
);
type Answer = typeof upstreamAnswer extends fc.Arbitrary<infer T> ? NonNullable<T> : never;

/** The error body the fake answers with, echoing `personal` values of the request. */
function answerOf(answer: Answer, personal: string[]): Record<string, unknown> {
  const echoes = answer.forms.map((form, i) => ECHO_FORMS[form]!(personal[i % Math.max(1, personal.length)] ?? 'x'));
  const texts = [`refused ${echoes.join(' ')}`, answer.keyEcho ?? 'no key here'];
  return {
    statusCode: answer.status,
    message: answer.asList ? texts : texts.join(' '),
    error: answer.keyEcho ?? 'Error',
  };
}

/** The key a request was sent with. */
const sentKey = (request: RecordedRequest): string => (request.headers.authorization ?? '').replace(/^Bearer /, '');

/** What is wrong with log lines: a personal value, or a key that was sent, readable in one. */
function logProblem(lines: LoggedLine[], keys: string[]): string | undefined {
  for (const [level, message] of lines) {
    const leaked = leakedSecret(message);
    if (leaked) return `${level} line shows a personal value: ${leaked}`;
    if (keys.some((key) => keyReadable(key, message))) return `${level} line shows the API key`;
  }
  return undefined;
}

/** What is wrong with an outcome as far as the key goes: readable in the error of a call sent with it. */
function keyProblem(error: unknown, requests: RecordedRequest[]): string | undefined {
  const shown = printed(error);
  const readable = requests.some((request) => shown.some((text) => keyReadable(sentKey(request), text)));
  return readable ? 'the error shows the API key' : undefined;
}

/** Whether the error says the input or options were refused before anything was sent. */
const refused = (error: unknown): boolean =>
  error instanceof OpenCxValidationError || error instanceof OpenCxConfigurationError;

/** What is wrong with a call that rejected with `error` after the fake received `requests`. */
function rejectionProblem(error: unknown, requests: RecordedRequest[]): string | undefined {
  return (
    errorProblem(error) ??
    keyProblem(error, requests) ??
    (refused(error) && requests.length > 0 ? `refused after sending ${requests.length} request(s)` : undefined)
  );
}

/** What is wrong with the bodies the fake received: each must pass the library's own rules. */
function sentBodiesProblem(requests: RecordedRequest[]): string | undefined {
  for (const request of requests) {
    const body = request.body as Record<string, unknown>;
    const known = Object.fromEntries(
      Object.entries(body).filter(([key]) => (AUTHENTICATE_USER_FIELDS as readonly string[]).includes(key)),
    );
    try {
      validateAuthenticateUser(known);
    } catch {
      return `sent a body the library's own rules refuse: ${request.rawBody.slice(0, 200)}`;
    }
  }
  return undefined;
}

describe('ContactAuthService, for any input and any upstream answer (fast-check)', () => {
  const h = useOpenCxHarness({
    apiKey: KEY,
    rateLimit: false,
    cache: false,
    maxRetries: 0,
    retryDelay: 1,
    maxRetryDelay: 5,
    timeout: 2_000,
  });
  let service: ContactAuthService;
  // Every key a request went out with: none may be readable in a log line either.
  const sentKeys = new Set<string>([KEY]);
  beforeEach(async () => {
    service = await h.boot();
  });

  /** The fake's requests so far, their keys remembered. */
  const received = (): RecordedRequest[] => {
    for (const request of h.fake.requests) sentKeys.add(sentKey(request));
    return h.fake.requests;
  };

  it(
    'authenticateUser: a token, or a typed bounded error; nothing sent when refused; no secret shown',
    async () => {
      const lines = await logged(() =>
        fc.assert(
          fc.asyncProperty(authenticateInput, callOptions, upstreamAnswer, async (input, options, answer) => {
            h.fake.reset();
            if (answer)
              h.fake.failNext(1, answer.status, { body: answerOf(answer, personalStrings([input, options])) });
            let problem: string | undefined;
            try {
              const result = await service.authenticateUser(input as never, options as never);
              if (typeof result?.token !== 'string') problem = 'resolved without a token';
            } catch (error) {
              problem = rejectionProblem(error, received());
            }
            expect(problem ?? sentBodiesProblem(received())).toBeUndefined();
          }),
          RUNS,
        ),
      );
      expect(logProblem(lines, [...sentKeys])).toBeUndefined();
    },
    propertyTimeout(RUNS),
  );

  it(
    'deleteContact: resolves, or a typed bounded error; nothing sent when refused; no secret shown',
    async () => {
      const contactId = fc.oneof(
        fc.uuid(),
        fc.constantFrom('a/b', '%2e%2e', '', ' ', 'x'.repeat(200), 'e\u0301'),
        fc.string({ maxLength: 40 }),
        secretWord,
        hostileValue,
      );
      const lines = await logged(() =>
        fc.assert(
          fc.asyncProperty(contactId, callOptions, upstreamAnswer, async (id, options, answer) => {
            h.fake.reset();
            if (answer) h.fake.failNext(1, answer.status, { body: answerOf(answer, personalStrings([id])) });
            let problem: string | undefined;
            try {
              await service.deleteContact(id as never, options as never);
            } catch (error) {
              problem = rejectionProblem(error, received());
            }
            expect(problem).toBeUndefined();
          }),
          RUNS,
        ),
      );
      expect(logProblem(lines, [...sentKeys])).toBeUndefined();
    },
    propertyTimeout(RUNS),
  );

  it(
    'evictContact: resolves, or an OpenCxConfigurationError or OpenCxStoreError; never sends anything; no secret shown',
    async () => {
      const email = fc.oneof(
        secretWord.map((w) => `${w}@example.com`),
        hostileValue,
      );
      const lines = await logged(() =>
        fc.assert(
          fc.asyncProperty(email, callOptions, async (address, options) => {
            h.fake.reset();
            let problem: string | undefined;
            try {
              await service.evictContact(address as never, options as never);
            } catch (error) {
              problem =
                error instanceof OpenCxConfigurationError || error instanceof OpenCxStoreError
                  ? errorProblem(error)
                  : `threw ${error instanceof Error ? error.name : typeof error}`;
            }
            expect([problem, h.fake.requests.length]).toEqual([undefined, 0]);
          }),
          RUNS,
        ),
      );
      expect(logProblem(lines, [...sentKeys])).toBeUndefined();
    },
    propertyTimeout(RUNS),
  );
});
