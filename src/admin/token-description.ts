// A token's description: what it is for, as its owner wrote it, shown by
// token show and list. Like the name, control characters are refused so it
// cannot rewrite the terminal of the administrator who lists tokens.
import { GitwardError } from '../errors.js'

export const MAX_TOKEN_DESCRIPTION_LENGTH = 500
// C0 and C1 control characters (newlines and tabs included: it is one line in a table).
const CONTROL = /\p{Cc}/u

/** The description to store: trimmed, null when empty or not given. */
export function requireTokenDescription(raw: string | null | undefined): string | null {
  if (raw === undefined || raw === null) return null
  const text = raw.trim()
  if (text === '') return null
  if (text.length > MAX_TOKEN_DESCRIPTION_LENGTH) {
    throw new GitwardError('INVALID_ARGUMENT', `a token description must be at most ${MAX_TOKEN_DESCRIPTION_LENGTH} characters long; shorten it.`)
  }
  if (CONTROL.test(text)) {
    throw new GitwardError('INVALID_ARGUMENT', 'a token description must be one line without control characters such as newlines, tabs or escapes.')
  }
  return text
}
