import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import {
  OpenCxAbortError,
  OpenCxConnectionError,
  OpenCxInvalidResponseError,
  OpenCxTimeoutError,
  createOpenCxApiError,
} from '../errors/opencx.errors.js';
import { notifyAttempt, outcomeOf, type OpenCxAttemptEvent } from './attempt-event.js';

const EVENT: OpenCxAttemptEvent = {
  name: 'default',
  operation: 'authenticate-user',
  attempt: 1,
  outcome: 'success',
  durationMs: 3,
  willRetry: false,
};

describe('attempt events', () => {
  it.each([
    ['success', 200, undefined],
    ['aborted', undefined, new OpenCxAbortError()],
    ['timeout', undefined, new OpenCxTimeoutError(1_000)],
    ['connection-error', undefined, new OpenCxConnectionError('ECONNRESET')],
    // The failure's class names the outcome before the status does.
    ['connection-error', 502, new OpenCxConnectionError('ECONNRESET')],
    ['invalid-response', 200, new OpenCxInvalidResponseError(200, 'no token')],
    ['http-error', 503, createOpenCxApiError({ status: 503 })],
    ['connection-error', undefined, new Error('unknown failure without an answer')],
  ])('names the outcome %s', (outcome, status, failure) => {
    expect(outcomeOf(status, failure)).toBe(outcome);
  });

  describe('notifyAttempt', () => {
    let logger: Logger;
    beforeEach(() => {
      logger = new Logger('test');
      jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    });

    it('hands the listener the event, and logs nothing when it returns nothing', () => {
      const listener = jest.fn(() => undefined);
      notifyAttempt(listener, EVENT, logger);
      expect(listener).toHaveBeenCalledWith(EVENT);
      expect(logger.warn).not.toHaveBeenCalled();
    });

    it("logs a listener's throw or rejection by class name only, and never throws", async () => {
      notifyAttempt(
        () => {
          throw new TypeError('secret detail');
        },
        EVENT,
        logger,
      );
      notifyAttempt(() => Promise.reject(new RangeError('secret detail')), EVENT, logger);
      await Promise.resolve();
      expect(jest.mocked(logger.warn).mock.calls).toEqual([
        ['onAttempt listener failed (TypeError); ignored'],
        ['onAttempt listener failed (RangeError); ignored'],
      ]);
    });
  });
});
