import { OpenCxInvalidResponseError } from '../errors/opencx.errors.js';
import { Scrubber } from '../errors/scrub.js';
import { parseAuthenticateUserResponse, parseErrorBody } from './response-body.js';

const KEY = 'sk_body_canary_5521';

describe('parseAuthenticateUserResponse', () => {
  it.each([
    ['{"token":"t.k.n","contact":{"id":"c-1"},"extra":1}', { token: 't.k.n', contact: { id: 'c-1' }, expiresAt: null }],
    ['{"token":"t.k.n"}', { token: 't.k.n', expiresAt: null }],
    ['{"token":"t.k.n","contact":null}', { token: 't.k.n', expiresAt: null }],
  ])('reads %s', (text, expected) => {
    expect(JSON.parse(JSON.stringify(parseAuthenticateUserResponse(201, text)))).toStrictEqual(expected);
  });

  it.each([
    ['<html>', 'not a JSON object'],
    ['[]', 'not a JSON object'],
    ['null', 'not a JSON object'],
    ['"token"', 'not a JSON object'],
    ['{"token":""}', 'token is missing or not a non-empty string'],
    ['{"token":5}', 'token is missing or not a non-empty string'],
    ['{"contact":{"id":"c"}}', 'token is missing or not a non-empty string'],
    ['{"token":"t","contact":{"id":5}}', 'contact.id is not a string'],
    ['{"token":"t","contact":[]}', 'contact.id is not a string'],
    ['{"token":"t","contact":"c"}', 'contact.id is not a string'],
  ])('refuses %s: %s', (text, reason) => {
    const parse = (): unknown => parseAuthenticateUserResponse(200, text);
    expect(parse).toThrow(OpenCxInvalidResponseError);
    expect(parse).toThrow(`OpenCX answered 200 with an invalid body: ${reason}`);
  });
});

describe('parseErrorBody', () => {
  const scrubber = new Scrubber(KEY, ['person@example.com']);

  it.each([
    [
      '{"statusCode":400,"message":["email must be an email","name too long"],"error":"Bad Request"}',
      { statusCode: 400, message: ['email must be an email', 'name too long'], error: 'Bad Request' },
    ],
    ['{"message":"plain"}', { message: 'plain' }],
    ['{"statusCode":"400","message":5,"error":null}', {}],
    ['{"message":["a",5,null,"b"]}', { message: ['a', 'b'] }],
    ['{"message":["1","2","3","4","5","6","7"]}', { message: ['1', '2', '3', '4', '5'] }],
  ])('keeps the ErrorDto fields of %s', (text, expected) => {
    expect(parseErrorBody(text, scrubber)).toStrictEqual(expected);
  });

  it.each(['<html>bad gateway</html>', '', '[1,2]', 'null'])('keeps nothing of %j', (text) => {
    expect(parseErrorBody(text, scrubber)).toBeUndefined();
  });

  it("scrubs this request's secrets from what it keeps", () => {
    const parsed = parseErrorBody(
      JSON.stringify({ message: [`key ${KEY}`], error: 'for person@example.com' }),
      scrubber,
    );
    expect(JSON.stringify(parsed)).not.toMatch(/sk_body_canary_5521|person@example\.com/);
    expect(parsed?.message).toHaveLength(1);
  });
});
