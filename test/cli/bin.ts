// The real executable: bin/gitward starts node on the built program, and its
// exit codes reach the shell. Every other CLI test calls run(argv, io)
// in-process (test/helpers/cli/bin.ts); these few prove the process itself.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { gitwardProcess } from '../helpers/cli/bin.js'
import { ROOT } from '../helpers/paths/root.js'

t.test('bin/gitward runs the built program and its exit codes reach the shell', async t => {
  t.ok(fs.existsSync(path.join(ROOT, 'dist', 'cli', 'run.js')), 'built (npm test builds in pretest)')
  const dir = t.testdir({ home: {}, 'a-directory.db': {} })
  const version = await gitwardProcess(dir, ['--version'], { raw: true })
  t.equal(version.code, 0)
  t.match(version.stdout, /^\d+\.\d+\.\d+\n$/)

  t.equal((await gitwardProcess(dir, ['init'])).code, 0)
  const created = await gitwardProcess(dir, ['repo', 'create', 'acme/app'])
  t.equal(created.code, 0, created.stderr)
  t.match(created.stdout, /^Registered project acme\/app \(private\)/)
  const token = await gitwardProcess(dir, ['token', 'create', '--project', 'acme/app', '--name', 'ci', '--scopes', 'read_repository'])
  t.equal(token.code, 0, token.stderr)
  t.match(token.stdout, /^gwpat-\S+\n$/, 'the token alone on stdout')

  t.equal((await gitwardProcess(dir, ['token', 'revoke', 'zzzzzzzzzzzz'])).code, 1, 'refused input: 1')
  t.equal((await gitwardProcess(dir, ['token'])).code, 2, 'usage: 2')
  t.equal((await gitwardProcess(dir, ['--db', path.join(dir, 'a-directory.db'), 'token', 'list'], { raw: true })).code, 3, 'environment: 3')
})
