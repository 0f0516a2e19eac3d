// git-http-backend is found in git's exec path, once; a git that cannot say
// where it is leaves gitward on the `git http-backend` wrapper, with a reason.
import t from 'tap'
import { writeFileSync, chmodSync } from 'node:fs'
import path from 'node:path'
import { findHttpBackendProgram } from '../../src/backend/http-backend-program.js'

t.test('the real git names its git-http-backend', async t => {
  const found = findHttpBackendProgram('git', '/usr/local/bin:/usr/bin:/bin')
  t.equal(found.ok, true)
  if (found.ok) t.match(found.program, /\/git-http-backend$/)
})

t.test('a git that cannot answer, or answers nonsense, gives a reason instead', async t => {
  const dir = t.testdir({})
  const broken = path.join(dir, 'broken-git')
  writeFileSync(broken, '#!/bin/sh\nexit 1\n')
  chmodSync(broken, 0o755)
  const relative = path.join(dir, 'relative-git')
  writeFileSync(relative, '#!/bin/sh\necho libexec\n')
  chmodSync(relative, 0o755)
  const empty = path.join(dir, 'empty-git')
  writeFileSync(empty, `#!/bin/sh\necho ${dir}\n`)
  chmodSync(empty, 0o755)
  for (const [program, why] of [[broken, /failed/], [relative, /not absolute/], [empty, /not an executable/]] as const) {
    const found = findHttpBackendProgram(program, '/usr/bin:/bin')
    t.equal(found.ok, false)
    if (!found.ok) t.match(found.reason, why)
  }
  t.equal(findHttpBackendProgram(path.join(dir, 'missing'), '/usr/bin:/bin').ok, false)
})
