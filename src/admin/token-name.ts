// A token's name is a label for humans, printed in tables and audit entries.
// Control characters are refused so a name cannot rewrite the terminal of the
// administrator who lists tokens.
import { GitwardError } from '../errors.js'

export const MAX_TOKEN_NAME_LENGTH = 100
// C0 and C1 control characters, U+0000-U+001F and U+007F-U+009F.
const CONTROL = /\p{Cc}/u

export function requireTokenName(raw: string): string {
  const name = raw.trim()
  if (name === '') throw new GitwardError('INVALID_ARGUMENT', 'a token needs a non-empty --name, such as "ci-deploy".')
  if (name.length > MAX_TOKEN_NAME_LENGTH) {
    throw new GitwardError('INVALID_ARGUMENT', `a token name must be at most ${MAX_TOKEN_NAME_LENGTH} characters long.`)
  }
  if (CONTROL.test(name)) {
    throw new GitwardError('INVALID_ARGUMENT', 'a token name must not contain control characters such as newlines or escapes.')
  }
  return name
}
