/*
 * The renewal page's script, run in the browser (served by RenewalController as a module). It
 * keeps a contact token fresh for the chat widget, which never renews a token the host page gave
 * it: it asks the backend's `POST /v1/me/opencx-token` for one, renews it before `expiresAt`, and
 * renews again at once when the widget's calls get 401 "Invalid token" (simulated by a button here).
 * Compiled with the app, outside the DOM typings: the few browser globals it uses are declared here.
 */

interface PageElement {
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  addEventListener(type: 'click', listener: () => void): void;
  append(...nodes: Array<PageElement | string>): void;
}
declare const document: {
  body: PageElement;
  visibilityState: string;
  getElementById(id: string): PageElement | null;
  createElement(tag: 'li'): PageElement;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
};
declare const location: { hash: string; pathname: string };
declare const history: { replaceState(state: null, unused: string, url: string): void };

/** What `POST /v1/me/opencx-token` answers. */
interface ContactToken {
  token: string;
  contact?: { id: string };
  /** ISO 8601, or null for a token without an `exp` claim (a chat-only token). */
  expiresAt: string | null;
}

/** Renew this long before `expiresAt` at most: a quarter of a short token's life, 15 s of a long one's. */
const MARGIN_MS = 15_000;
/** Wait before trying again after a failed renewal. */
const RETRY_MS = 5_000;

const element = (id: string): PageElement => document.getElementById(id)!;

// The user's sign-in JWT, from the fragment (never sent to a server), then dropped from the address bar.
const signIn = new URLSearchParams(location.hash.slice(1)).get('jwt');
history.replaceState(null, '', location.pathname);

let current: { token: ContactToken; receivedAt: number } | undefined;
let timer: ReturnType<typeof setTimeout> | undefined;
let renewals = 0;

function note(line: string): void {
  const item = document.createElement('li');
  item.textContent = `${new Date().toISOString()} ${line}`;
  element('log').append(item);
}

/** When to renew `current`: `margin` before its expiry, and never in a tight loop. */
function schedule(): void {
  clearTimeout(timer);
  const expiresAt = current?.token.expiresAt;
  if (!current || expiresAt === null || expiresAt === undefined) {
    element('renews-at').textContent = 'on a 401 only (the token has no expiry)';
    return;
  }
  const expiry = Date.parse(expiresAt);
  const margin = Math.min(MARGIN_MS, (expiry - current.receivedAt) / 4);
  const remaining = expiry - Date.now();
  // Half the remaining time at least: a backend that hands back the same token (a cache) is asked again sooner, not at once.
  const wait = Math.max(remaining - margin, remaining / 2);
  element('renews-at').textContent = new Date(Date.now() + wait).toISOString();
  timer = setTimeout(() => void renew('before expiry'), wait);
}

/** Gets a token; `refresh` after a 401, so the backend asks OpenCX for a new one instead of its cached one. */
async function renew(reason: string, refresh = false): Promise<void> {
  clearTimeout(timer);
  try {
    const response = await fetch('/v1/me/opencx-token', {
      method: 'POST',
      headers: { authorization: `Bearer ${signIn}`, 'content-type': 'application/json' },
      body: JSON.stringify(refresh ? { refresh: true } : {}),
    });
    if (!response.ok) throw new Error(`the backend answered ${response.status}`);
    const token = (await response.json()) as ContactToken;
    if (current && token.token === current.token.token) note(`the backend answered the same token (${reason})`);
    current = { token, receivedAt: Date.now() };
    renewals += 1;
    // Here the host page gives the widget the new token as `user.token`, keeping the widget mounted.
    element('contact').textContent = token.contact?.id ?? '(none)';
    element('expires').textContent = token.expiresAt ?? 'no expiry';
    element('renewals').textContent = String(renewals - 1);
    document.body.dataset.renewals = String(renewals - 1);
    note(`${renewals === 1 ? 'got a token' : `renewed ${reason}`}: expires ${token.expiresAt ?? 'never'}`);
    schedule();
  } catch (error) {
    note(`renewal failed (${(error as Error).message}); trying again in ${RETRY_MS / 1000} s`);
    timer = setTimeout(() => void renew(reason, refresh), RETRY_MS);
  }
}

if (signIn) {
  element('status').textContent = 'signed in';
  element('simulate-401').addEventListener('click', () => {
    note('the widget got 401 "Invalid token"');
    void renew('after a 401', true);
  });
  // Timers of a hidden tab may fire late: on return, renew now if the token is due.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') schedule();
  });
  void renew('at start');
} else {
  element('status').textContent = "open this page as /renewal#jwt=<the user's sign-in JWT>";
}

// A module, so the browser globals declared above stay local to this file.
// oxlint-disable-next-line unicorn/require-module-specifiers
export {};
