// A 500 leaves a stack trace in the log, so an administrator can find the
// fault, and the trace is scrubbed like every other line: a token quoted in
// an error message or in a stack frame never reaches the log.
import t from 'tap'
import { startGitward } from '../helpers/servers/gitward.js'
import { infoRefsUrl, request } from '../helpers/http/request.js'
import type { Hasher } from '../../src/auth/hasher.js'

t.test('a failing token check answers 500 and logs a redacted stack trace', async t => {
  let presented = ''
  // A broken hasher whose error quotes the whole token, in its message and
  // in a frame of its stack (the worst a dependency could do).
  const hasher: Hasher = {
    hash: async () => {
      throw new Error('not used')
    },
    compare: async () => {
      const error = new Error(`bcrypt exploded comparing ${presented}`)
      error.stack = `${error.stack ?? ''}\n    at compare (file:///opt/${presented}/bcrypt.js:1:1)`
      throw error
    },
  }
  const h = await startGitward(t, { hasher })
  await h.createProject('acme/app')
  const { token } = await h.mint({ project: 'acme/app' })
  presented = token

  const answer = await request(infoRefsUrl(h.url, 'acme/app', 'git-upload-pack'), { token })
  t.equal(answer.status, 500)
  t.notOk(answer.body.includes('bcrypt'), 'the client learns nothing about the fault')

  const lines = h.logText().trim().split('\n').map(l => JSON.parse(l) as Record<string, unknown>)
  const failure = lines.find(l => l['msg'] === 'request failed') as { level: string; error: { message: string; stack: string } } | undefined
  t.ok(failure, 'the failure is logged')
  t.equal(failure?.level, 'error')
  t.equal(failure?.error.message, 'bcrypt exploded comparing [redacted]')
  t.match(failure?.error.stack, /^Error: bcrypt exploded comparing \[redacted\]\n\s+at /, 'the stack trace is there, scrubbed')
  t.match(failure?.error.stack, /at compare \(file:\/\/\/opt\/\[redacted\]\/bcrypt\.js/, 'a frame quoting the token is scrubbed')
  t.notOk(h.logText().includes(token.slice(-38)), 'no secret anywhere in the log')
  // The harness's teardown greps the whole log for the token and its base64 forms as well.
})
