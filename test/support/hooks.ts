/**
 * The time-out of a hook that starts processes or servers: longer than each start's own time-out
 * (15 s for the sample app or the fake CLI, 5 s for redis-server), even with a few starts in one
 * hook, so the start's own error, which stops what it started, comes first, instead of jest
 * abandoning the hook with the start still under way.
 */
export const HOOK_TIMEOUT_MS = 60_000;
