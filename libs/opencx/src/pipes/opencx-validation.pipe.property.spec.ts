import * as fc from 'fast-check';
import { AuthenticateUserDto } from '../dto/authenticate-user.dto.js';
import { OpenCxValidationError } from '../errors/opencx.errors.js';
import { validateAuthenticateUser } from '../input/validate-input.js';
import { authenticateInput, errorProblem } from '../../test/hostile-input.js';
import { OpenCxValidationPipe } from './opencx-validation.pipe.js';
import { propertyParameters, propertyTimeout } from '../../test/property-runs.js';

const RUNS = propertyParameters(300);

const pipe = new OpenCxValidationPipe();

/** What is wrong with what the pipe made of `body`; undefined when it kept its promise. */
async function problemOf(body: unknown): Promise<string | undefined> {
  let dto: unknown;
  try {
    dto = await pipe.transform(body, { type: 'body', metatype: AuthenticateUserDto });
  } catch (error) {
    return errorProblem(error, OpenCxValidationError);
  }
  if (!(dto instanceof AuthenticateUserDto)) return 'accepted, but returned no AuthenticateUserDto';
  // A controller hands the DTO to authenticateUser: the pipe accepts nothing the library refuses.
  try {
    validateAuthenticateUser(dto);
  } catch (error) {
    return `accepted, but validateAuthenticateUser refuses it: ${error instanceof Error ? error.message : typeof error}`;
  }
  return undefined;
}

describe('OpenCxValidationPipe.transform, for any body (fast-check)', () => {
  it(
    'returns a DTO the library accepts, or rejects with a bounded OpenCxValidationError naming a field and no personal value',
    async () => {
      await fc.assert(
        fc.asyncProperty(authenticateInput, async (body) => {
          expect(await problemOf(body)).toBeUndefined();
        }),
        RUNS,
      );
    },
    propertyTimeout(RUNS),
  );

  it(
    'answers a JSON body, as a parser gives it, the same way',
    async () => {
      await fc.assert(
        fc.asyncProperty(authenticateInput, async (body) => {
          let json: unknown;
          try {
            json = JSON.parse(JSON.stringify(body) ?? 'null');
          } catch {
            json = null;
          }
          expect(await problemOf(json)).toBeUndefined();
        }),
        RUNS,
      );
    },
    propertyTimeout(RUNS),
  );
});
