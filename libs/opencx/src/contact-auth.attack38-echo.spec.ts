import { inspect } from 'node:util';
import { randomUUID } from 'node:crypto';
import { OpenCxApiError } from './errors/opencx.errors.js';
import { useOpenCxHarness } from '../test/opencx-harness.js';

// Break (attack38): "names ... never appear in logs or errors in any form". OpenCX refuses an
// updateContact and echoes the name it was sent, as many servers do, but in another (equally valid)
// form: Unicode NFD (combining accents), or JSON with ASCII escapes (`\u00e9`, Python's default).
// The scrubber folds both away from the sent form, so the name reaches the error whole.

const API_KEY = 'sk_attack38_echo_9b04';
const NAME = 'Éléonore Bénédicte Hélène';

describe('updateContact: a refused name echoed back in another form', () => {
  const h = useOpenCxHarness({ apiKey: API_KEY, retryDelay: 1, maxRetryDelay: 5, rateLimit: false }, {});

  it.each([
    ['NFD', NAME.normalize('NFD')],
    [
      'JSON ASCII escapes',
      JSON.stringify(NAME)
        .slice(1, -1)
        .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    ],
  ])('the name echoed in %s form does not reach the error', async (_form, echoed) => {
    const service = await h.boot();
    h.fake.route('PATCH /contacts/{id}').failNext(1, 409, {
      body: { statusCode: 409, error: 'Conflict', message: `name ${echoed} conflicts` },
    });
    const error = await service.updateContact(randomUUID(), { name: NAME }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenCxApiError);
    const printed = [inspect(error, { depth: 10 }), JSON.stringify(error), (error as Error).message].join('\n');
    // Actual: the echo is kept as sent (e.g. "name Éléonore Bénédicte Hélène conflicts" in NFD).
    expect(printed.normalize('NFC')).not.toContain(NAME);
    expect(printed).not.toContain(echoed);
  });
});
