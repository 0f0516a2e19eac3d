// Shared assertions for the unit tests.
import type { Test } from 'tap'
import { GitwardError } from '../../src/errors.js'

/** `p` rejects with a GitwardError of `code` (and a message matching `message`). */
export async function rejectsWithCode(t: Test, p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  try {
    await p
    t.fail(`expected ${code}`)
  } catch (e) {
    t.type(e, GitwardError)
    t.equal((e as GitwardError).code, code)
    if (message) t.match((e as GitwardError).message, message)
  }
}
