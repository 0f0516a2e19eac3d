// The string redactor skips its replacement passes for short strings that
// cannot hold a secret; every kind of secret still goes, short or long.
import t from 'tap'
import { makeStringRedactor, REDACTED } from '../../src/log/redact.js'
import { tokenPattern } from '../../src/auth/token-format.js'

const scrub = makeStringRedactor([tokenPattern('gwpat-')])
const token = 'gwpat-' + 'a'.repeat(12) + '_' + 'A1b2C3d4E5'.repeat(3) + 'abcdefgh'

t.test('secrets are scrubbed whatever their length', async t => {
  const cases: Array<[string, string]> = [
    ['Basic abc', `Basic ${REDACTED}`],
    ['bearer x', `bearer ${REDACTED}`],
    ['see http://u:p@h/x', `see http://${REDACTED}@h/x`],
    [`token ${token} here`, `token ${REDACTED} here`],
    ['Q'.repeat(20) + 'q'.repeat(20) + '1'.repeat(25), REDACTED],
  ]
  for (const [input, want] of cases) t.equal(scrub(input), want, input)
})

t.test('ordinary short strings come back unchanged (and are the same string)', async t => {
  for (const s of ['request', 'acme/app', 'git-upload-pack', '2026-12-02T10:00:00.000Z', 'deny:unauthenticated', '127.0.0.1', 'a'.repeat(59)]) {
    t.equal(scrub(s), s)
  }
  t.equal(scrub('0123456789abcdef0123456789abcdef01234567'), '0123456789abcdef0123456789abcdef01234567', 'a hex object id stays')
})
