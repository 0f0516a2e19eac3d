// Validation of a token id typed by an administrator (show, revoke, rotate).
//
// Threat: an administrator pastes the whole token where the id belongs. The
// value is then a secret, so it is never repeated in the error message (which
// could end up in a terminal log, a CI log or a ticket).
import { GitwardError } from '../errors.js'
import { TOKEN_ID_PATTERN } from '../auth/token-format.js'

export function requireTokenId(raw: string): string {
  if (TOKEN_ID_PATTERN.test(raw)) return raw
  if (raw.includes('_') || raw.length > 20) {
    throw new GitwardError(
      'INVALID_ARGUMENT',
      'that looks like a whole token, not a token id; pass only the 12-character id shown by gitward token list (the value is not repeated here because it may be secret).',
    )
  }
  throw new GitwardError(
    'INVALID_ARGUMENT',
    'a token id is 12 characters from 0-9 and a-z (without i, l, o, u), as shown by gitward token list; the value given is not one.',
  )
}
