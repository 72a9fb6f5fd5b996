import type { OpenCxContact, OpenCxContactPage } from '../dto/opencx-contact.js';
import { OpenCxApiError, OpenCxTimeoutError, OpenCxValidationError } from '../errors/opencx.errors.js';
import { abortErrorOf, Deadline } from '../util/deadline.js';
import { CursorLoopGuard } from './cursor-loop.js';

/** Asks for the page at `cursor` (the first when undefined), to end within `totalTimeout` ms. */
export type ContactPageFetch = (cursor: string | undefined, totalTimeout: number) => Promise<OpenCxContactPage>;

/** One page within what is left of `step`; a page that ran out of it is the step's time-out. */
async function pageWithin(
  step: Deadline,
  fetch: (left: number) => Promise<OpenCxContactPage>,
): Promise<OpenCxContactPage> {
  const left = Math.ceil(step.left());
  if (left <= 0) throw step.expired();
  try {
    return await fetch(left);
  } catch (error) {
    // Said with the step's allowance, not the rest of it the page was given.
    if (error instanceof OpenCxTimeoutError && step.left() <= 0) throw step.expired();
    throw error;
  }
}

/**
 * Every contact of a listing, following `next` until it is null, a page asked for only when the
 * caller wants a contact the pages so far do not hold. `totalTimeout` bounds each step: from the
 * caller asking for the next contact to getting it (or the end), however many pages that takes. An
 * upstream that answers empty pages with fresh cursors for ever therefore ends with
 * OpenCxTimeoutError, as the caller, given nothing, has nothing to break out of; the time the caller
 * spends on a contact is no step's.
 */
export async function* contactsOf(
  fetch: ContactPageFetch,
  totalTimeout: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<OpenCxContact, void, undefined> {
  const loop = new CursorLoopGuard();
  let cursor: string | undefined;
  let step = Deadline.after(totalTimeout);
  do {
    const page = await pageWithin(step, (left) => fetch(cursor, left));
    cursor = loop.follow(page.next);
    for (const contact of page.items) {
      if (signal?.aborted) throw abortErrorOf(signal);
      yield contact;
      step = Deadline.after(totalTimeout);
    }
  } while (cursor !== undefined);
}

/**
 * What a page asked for with the caller's cursor fails with: a 400 from OpenCX becomes an
 * OpenCxValidationError naming `cursor` (answered 400), as the filter is checked before sending and
 * the cursor is the one input only OpenCX can judge (a forged, mistyped or another filter's). OpenCX's
 * text is not kept: it may echo the cursor. Anything else as it is.
 */
export function callersCursorRefused(error: unknown): unknown {
  if (!(error instanceof OpenCxApiError) || error.upstreamStatus !== 400) return error;
  return new OpenCxValidationError([
    { field: 'cursor', messages: ['cursor must be a next cursor OpenCX gave, sent with the same filter'] },
  ]);
}
