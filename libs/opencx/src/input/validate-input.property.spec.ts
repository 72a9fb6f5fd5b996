import * as fc from 'fast-check';
import { AuthenticateUserDto } from '../dto/authenticate-user.dto.js';
import { OpenCxValidationError } from '../errors/opencx.errors.js';
import { authenticateInput, errorProblem } from '../../test/hostile-input.js';
import { validateAuthenticateUser, wireBody } from './validate-input.js';
import { propertyParameters, propertyTimeout } from '../../test/property-runs.js';

const RUNS = propertyParameters(300);

/** What is wrong with what `validateAuthenticateUser` made of `input`; undefined when it kept its promise. */
function problemOf(input: unknown): string | undefined {
  let dto: AuthenticateUserDto;
  try {
    dto = validateAuthenticateUser(input);
  } catch (error) {
    return errorProblem(error, OpenCxValidationError);
  }
  if (!(dto instanceof AuthenticateUserDto)) return 'accepted, but returned no AuthenticateUserDto';
  // What would be sent is JSON that passes the same rules: nothing turns into null or vanishes on the way.
  let body: string;
  try {
    body = wireBody(dto);
  } catch (error) {
    return `accepted, but its wire body failed (${error instanceof Error ? error.name : typeof error})`;
  }
  try {
    validateAuthenticateUser(JSON.parse(body));
  } catch (error) {
    return `accepted, but its wire body is refused: ${error instanceof OpenCxValidationError ? error.message : String(error)}`;
  }
  return undefined;
}

describe('validateAuthenticateUser, for any input (fast-check)', () => {
  it(
    'returns a DTO whose wire body passes again, or throws a bounded OpenCxValidationError naming a field and no personal value',
    () => {
      fc.assert(
        fc.property(authenticateInput, (input) => {
          expect(problemOf(input)).toBeUndefined();
        }),
        RUNS,
      );
    },
    propertyTimeout(RUNS),
  );
});
