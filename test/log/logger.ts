// A logger that cannot print a token: every field of every line is scrubbed,
// error messages and stack traces included.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { createLogger } from '../../src/log/logger.js'
import { ManualClock } from '../../src/clock.js'
import { formatToken, newSecret, newTokenId, TOKEN_PATTERN_MIN_LENGTH, tokenPatterns } from '../../src/auth/token-format.js'

const token = formatToken('gwpat-', newTokenId(randomBytes), newSecret(randomBytes))
const basic = Buffer.from(`git:${token}`).toString('base64')
const secretPatterns = tokenPatterns('gwpat-')

const capture = (level?: 'debug' | 'info' | 'warn' | 'error') => {
  const lines: string[] = []
  const log = createLogger({ write: l => lines.push(l), clock: new ManualClock(0), secretPatterns, secretMinLength: TOKEN_PATTERN_MIN_LENGTH, level })
  return { log, lines, text: () => lines.join(''), parsed: (): Array<Record<string, unknown>> => lines.map(l => JSON.parse(l) as Record<string, unknown>) }
}

t.test('a token whose prefix was cut off is scrubbed too; ordinary ids and paths are not', async t => {
  const { log, text } = capture()
  const body = token.slice('gwpat-'.length)
  const commit = 'a'.repeat(40)
  log.info(`pasted ${body} by hand`, { value: `x${body}`, project: 'acme/sub_group/app_two', commit, tokenId: body.slice(0, 12) })
  t.notOk(text().includes(body.slice(13)), 'no secret')
  t.ok(text().includes('acme/sub_group/app_two'), 'paths kept')
  t.ok(text().includes(commit), 'object ids kept')
  t.ok(text().includes(body.slice(0, 12)), 'the public token id kept')
})

t.test('a field that is exactly a token, a bare token body, or a token of another prefix is scrubbed', async t => {
  const custom = formatToken('acme_', newTokenId(randomBytes), newSecret(randomBytes))
  const patterns = tokenPatterns('acme_')
  t.equal(patterns.length, 1, 'one expression: a line is scanned once')
  const lines: string[] = []
  const log = createLogger({ write: l => lines.push(l), clock: new ManualClock(0), secretPatterns: patterns, secretMinLength: TOKEN_PATTERN_MIN_LENGTH })
  const body = token.slice('gwpat-'.length)
  t.equal(body.length, TOKEN_PATTERN_MIN_LENGTH, 'the shortest match is a bare body')
  log.info('m', { own: custom, other: token, bare: body, tail: body.slice(1) })
  const line = JSON.parse(lines.join('')) as Record<string, string>
  t.equal(line['own'], '[redacted]')
  t.equal(line['other'], '[redacted]')
  t.equal(line['bare'], '[redacted]')
  t.equal(line['tail'], body.slice(1), 'one character short of a body is not a token')
})

t.test('tokens, credentials and secret-named fields never reach a line', async t => {
  const { log, lines, text } = capture()
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
  t.notOk(text().includes(token), 'no token')
  t.notOk(text().includes(token.slice(-38)), 'no secret')
  t.notOk(text().includes(basic), 'no base64 credential')
  t.notOk(text().includes('hunter2'), 'secret-named fields dropped')
  t.ok(text().includes('fine'), 'ordinary fields kept')
  t.equal(lines.length, 2, 'one line per call')
  for (const l of lines) {
    t.ok(l.endsWith('\n'), 'each line ends with a newline')
    t.doesNotThrow(() => void JSON.parse(l), 'each line is JSON')
  }
})

t.test('a line is time, level (a word), msg and the fields', async t => {
  const { log, parsed } = capture()
  log.info('request', { status: 200, project: 'acme/app' })
  t.same(parsed()[0], { time: '1970-01-01T00:00:00.000Z', level: 'info', msg: 'request', status: 200, project: 'acme/app' })
})

t.test('an error is logged with its stack trace, token-free', async t => {
  const { log, text, parsed } = capture()
  const error = new Error(`compare failed for ${token}`) as Error & { code?: string }
  error.code = 'EBOOM'
  // A stack trace can quote a token beyond the first line too (a frame in a
  // path, an eval'd URL): it is scrubbed like every other string.
  error.stack = `Error: compare failed for ${token}\n    at verify (file:///srv/${token}/verifier.js:1:1)\n    at check (file:///srv/gitward/gate.js:2:2)`
  const cause = new Error(`cause with Bearer ${token}`)
  log.error('request failed', { err: new Error('outer', { cause: error }), error: cause })
  const line = parsed()[0] as { err: { message: string; stack: string; cause: { code: string; stack: string; message: string } }; error: { stack: string } }
  t.notOk(text().includes(token), 'no token anywhere')
  t.notOk(text().includes(token.slice(-38)), 'no secret anywhere')
  t.match(line.err.stack, /^Error: outer\n\s+at /, 'the outer stack trace is kept')
  t.equal(line.err.cause.message, 'compare failed for [redacted]')
  t.equal(line.err.cause.code, 'EBOOM')
  t.match(line.err.cause.stack, /at verify \(file:\/\/\/srv\/\[redacted\]\/verifier\.js/, 'a frame quoting a token is scrubbed')
  t.match(line.err.cause.stack, /at check \(file:\/\/\/srv\/gitward\/gate\.js/, 'ordinary frames kept')
  t.match(line.error.stack, /^Error: cause with Bearer \[redacted\]\n\s+at /)
})

t.test('ordinary long names and object ids survive', async t => {
  const { log, lines } = capture()
  const sha = 'a'.repeat(40)
  const project = 'acme/a-very-long-project-name-that-goes-on-and-on-for-a-while-more'
  log.info('x', { sha, project })
  t.ok(lines[0]?.includes(sha))
  t.ok(lines[0]?.includes(project))
})

t.test('child fields are on every line; a call overrides them', async t => {
  const { log, parsed } = capture()
  const child = log.child({ project: 'acme/app', service: 'git-upload-pack' })
  child.info('one')
  child.child({ service: 'git-receive-pack' }).info('two', { extra: 1 })
  t.match(parsed()[0], { project: 'acme/app', service: 'git-upload-pack', msg: 'one' })
  t.match(parsed()[1], { project: 'acme/app', service: 'git-receive-pack', extra: 1, msg: 'two' })
})

t.test('levels below the minimum are dropped', async t => {
  const { log, lines } = capture('warn')
  log.info('no')
  log.debug('no')
  log.warn('yes')
  log.error('yes')
  t.equal(lines.length, 2)
})
