// A logger that cannot print a token: every field of every line is scrubbed.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { createLogger } from '../../src/log/logger.js'
import { ManualClock } from '../../src/clock.js'
import { formatToken, newSecret, newTokenId } from '../../src/auth/token-format.js'

const token = formatToken('gwpat-', newTokenId(randomBytes), newSecret(randomBytes))
const basic = Buffer.from(`git:${token}`).toString('base64')

t.test('tokens, credentials and secret-named fields never reach a line', async t => {
  const lines: string[] = []
  const log = createLogger({ write: l => lines.push(l), clock: new ManualClock(0), tokenPrefixes: ['gwpat-'] })
  log.info(`saw ${token} in a message`, {
    headers: { authorization: `Basic ${basic}`, 'x-other': 'fine' },
    url: `http://git:${token}@127.0.0.1/acme/app.git`,
    note: `Authorization: Bearer ${token}`,
    nested: [{ deep: { value: `prefix-${basic}-suffix` } }],
    error: new Error(`bad token ${token}`),
    token,
    password: 'hunter2',
  })
  log.child({ requestToken: token }).warn('child')
  const text = lines.join('')
  t.notOk(text.includes(token), 'no token')
  t.notOk(text.includes(token.slice(-38)), 'no secret')
  t.notOk(text.includes(basic), 'no base64 credential')
  t.notOk(text.includes('hunter2'), 'secret-named fields dropped')
  t.ok(text.includes('fine'), 'ordinary fields kept')
  for (const l of lines) t.doesNotThrow(() => JSON.parse(l), 'each line is JSON')
  const first = JSON.parse(lines[0] ?? '{}')
  t.equal(first.level, 'info')
  t.equal(first.time, '1970-01-01T00:00:00.000Z')
})

t.test('ordinary long names and object ids survive', async t => {
  const lines: string[] = []
  const log = createLogger({ write: l => lines.push(l), clock: new ManualClock(0) })
  const sha = 'a'.repeat(40)
  const project = 'acme/a-very-long-project-name-that-goes-on-and-on-for-a-while-more'
  log.info('x', { sha, project })
  t.ok(lines[0]?.includes(sha))
  t.ok(lines[0]?.includes(project))
})

t.test('levels below the minimum are dropped', async t => {
  const lines: string[] = []
  const log = createLogger({ write: l => lines.push(l), clock: new ManualClock(0), level: 'warn' })
  log.info('no')
  log.debug('no')
  log.warn('yes')
  log.error('yes')
  t.equal(lines.length, 2)
})
