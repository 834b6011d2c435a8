/** A user's own preload module, for test/workers/preload.test.ts: nothing in it but a constant. */
export const USER_PRELOADED = 'user-preload';
