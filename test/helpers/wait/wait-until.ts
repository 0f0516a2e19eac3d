// The one bounded wait of the test suite: poll a condition until it holds or
// time runs out. Every loop in a test is bounded; a condition that never
// holds is a failure the test reports, never a hang.

export const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/**
 * Poll `check` every `stepMs` until it holds or `timeoutMs` passes; returns
 * its last result.
 */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 3000, stepMs = 25): Promise<boolean> {
  const rounds = Math.max(1, Math.ceil(timeoutMs / stepMs))
  for (let i = 0; i < rounds; i++) {
    if (await check()) return true
    await sleep(stepMs)
  }
  return check()
}
