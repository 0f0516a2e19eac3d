// The string redactor skips its replacement passes for short strings that
// cannot hold a secret; every kind of secret still goes, short or long.
import t from 'tap'
import { makeStringRedactor, redactValue, REDACTED } from '../../src/log/redact.js'
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

t.test('fields: a plain object that needs no change is used as it is; anything else is copied', async t => {
  const clean = { id: 'a1', status: 401, completed: true, nested: { service: 'git-upload-pack' }, list: ['x', 2] }
  t.equal(redactValue(clean, scrub), clean, 'no copy of a clean request line')

  const dirty = { id: 'a1', project: `x/${token}`, authorization: 'Basic abc', nested: { url: 'http://u:p@h/' }, after: 'kept' }
  const out = redactValue(dirty, scrub) as Record<string, unknown>
  t.not(out, dirty)
  t.same({ ...out }, { id: 'a1', project: `x/${REDACTED}`, authorization: REDACTED, nested: { url: `http://${REDACTED}@h/` }, after: 'kept' })
  t.equal(dirty.project, `x/${token}`, "the caller's object is left as it was")

  // A class instance could serialise itself through toJSON: it is always
  // copied field by field, so its toJSON never runs.
  class Leaky {
    safe = 'ok'
    toJSON(): string {
      return token
    }
  }
  const copied = redactValue({ value: new Leaky() }, scrub) as { value: unknown }
  t.notOk(copied.value instanceof Leaky)
  t.notOk(JSON.stringify(copied).includes(token), 'its toJSON is not called')
})
