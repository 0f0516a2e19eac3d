// git-upload-pack and git-receive-pack are found in git's exec path, once; a
// git that cannot say where they are leaves gitward on the `git` wrapper,
// with a reason.
import t from 'tap'
import { writeFileSync, chmodSync } from 'node:fs'
import path from 'node:path'
import { findServicePrograms } from '../../src/backend/git-service-programs.js'

t.test('the real git names its git-upload-pack and git-receive-pack', async t => {
  const found = findServicePrograms('git', '/usr/local/bin:/usr/bin:/bin')
  t.equal(found.ok, true)
  if (found.ok) {
    t.match(found.programs['upload-pack'], /\/git-upload-pack$/)
    t.match(found.programs['receive-pack'], /\/git-receive-pack$/)
  }
})

t.test('a git that cannot answer, or answers nonsense, gives a reason instead', async t => {
  const dir = t.testdir({ half: {} })
  const broken = path.join(dir, 'broken-git')
  writeFileSync(broken, '#!/bin/sh\nexit 1\n')
  chmodSync(broken, 0o755)
  const relative = path.join(dir, 'relative-git')
  writeFileSync(relative, '#!/bin/sh\necho libexec\n')
  chmodSync(relative, 0o755)
  const empty = path.join(dir, 'empty-git')
  writeFileSync(empty, `#!/bin/sh\necho ${dir}\n`)
  chmodSync(empty, 0o755)
  // An exec path with upload-pack but no receive-pack.
  writeFileSync(path.join(dir, 'half', 'git-upload-pack'), '#!/bin/sh\n')
  chmodSync(path.join(dir, 'half', 'git-upload-pack'), 0o755)
  const half = path.join(dir, 'half-git')
  writeFileSync(half, `#!/bin/sh\necho ${path.join(dir, 'half')}\n`)
  chmodSync(half, 0o755)
  for (const [program, why] of [[broken, /failed/], [relative, /not absolute/], [empty, /git-upload-pack is not an executable/], [half, /git-receive-pack is not an executable/]] as const) {
    const found = findServicePrograms(program, '/usr/bin:/bin')
    t.equal(found.ok, false)
    if (!found.ok) t.match(found.reason, why)
  }
  t.equal(findServicePrograms(path.join(dir, 'missing'), '/usr/bin:/bin').ok, false)
})
