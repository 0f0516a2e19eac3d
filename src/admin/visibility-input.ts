// A project's visibility as typed on the command line (or sent to the API),
// turned into the closed set of src/model or a one-sentence refusal.
import { GitwardError } from '../errors.js'
import { isVisibility, VISIBILITIES, type Visibility } from '../model/visibility.js'

export function requireVisibility(raw: string): Visibility {
  if (isVisibility(raw)) return raw
  throw new GitwardError('INVALID_ARGUMENT', `unknown visibility "${raw}"; use ${VISIBILITIES.join(' or ')}.`)
}
