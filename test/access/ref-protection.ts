// Protected branches and tags, default-branch protection and per-token ref
// rules: one row per behaviour the issue and GitLab's documentation name.
import t from 'tap'
import { decidePush, decideRefUpdate, REFUSED_WITH_OTHERS, type RefChange } from '../../src/access/ref-protection.js'
import type { BranchRule, RefPolicy, TagRule } from '../../src/access/ref-rules.js'
import type { Role } from '../../src/model/role.js'

const project = { kind: 'project', path: 'acme/app' } as const
const group = { kind: 'group', path: 'acme' } as const
const branch = (pattern: string, extra: Partial<BranchRule> = {}): BranchRule => ({ owner: project, pattern, push: 'maintainer', allowForcePush: false, ...extra })
const tag = (pattern: string, extra: Partial<TagRule> = {}): TagRule => ({ owner: project, pattern, create: 'maintainer', ...extra })

const policy = (extra: Partial<RefPolicy> = {}): RefPolicy => ({
  role: 'developer',
  tokenRefs: null,
  branches: [],
  tags: [],
  defaultBranch: null,
  ...extra,
})

type Row = [
  name: string,
  policy: Partial<RefPolicy>,
  ref: string,
  change: RefChange,
  fastForward: boolean | undefined,
  expected: 'allow' | { code: string; message: RegExp },
  repositoryEmpty?: boolean,
]

const dev: Role = 'developer'
const maint: Role = 'maintainer'

const rows: Row[] = [
  ['an unprotected branch', { role: dev }, 'refs/heads/feature', 'update', false, 'allow'],
  ['developer push to protected main', { role: dev, branches: [branch('main')] }, 'refs/heads/main', 'update', true, {
    code: 'branch-push', message: /^You are not allowed to push code to protected branches on this project\. \(main, rule "main"\)$/,
  }],
  ['maintainer push to protected main', { role: maint, branches: [branch('main')] }, 'refs/heads/main', 'update', true, 'allow'],
  ['owner push to protected main', { role: 'owner', branches: [branch('main')] }, 'refs/heads/main', 'update', true, 'allow'],
  ['maintainer push, fast-forward unknown (the gate)', { role: maint, branches: [branch('main')] }, 'refs/heads/main', 'update', undefined, 'allow'],
  ['maintainer force-push', { role: maint, branches: [branch('main')] }, 'refs/heads/main', 'update', false, {
    code: 'branch-force-push', message: /^You are not allowed to force push code to a protected branch on this project\. \(main, rule "main"\)$/,
  }],
  ['maintainer force-push allowed by the rule', { role: maint, branches: [branch('main', { allowForcePush: true })] }, 'refs/heads/main', 'update', false, 'allow'],
  ['developer force-push on a developer rule that allows it', { role: dev, branches: [branch('main', { push: 'developer', allowForcePush: true })] }, 'refs/heads/main', 'update', false, 'allow'],
  ['force-push allowed only by a rule the role does not pass', { role: dev, branches: [branch('main', { push: 'developer' }), branch('ma*', { allowForcePush: true })] }, 'refs/heads/main', 'update', false, { code: 'branch-force-push', message: /rule "main"/ }],
  ['no_one: even the owner', { role: 'owner', branches: [branch('main', { push: 'no_one' })] }, 'refs/heads/main', 'update', true, { code: 'branch-push', message: /main/ }],
  ['delete of a protected branch, owner', { role: 'owner', branches: [branch('main')] }, 'refs/heads/main', 'delete', undefined, {
    code: 'branch-delete', message: /^You are not allowed to delete protected branches from this project; unprotect the branch first\. \(main, rule "main"\)$/,
  }],
  ['developer creates release/1 under release/*', { role: dev, branches: [branch('release/*')] }, 'refs/heads/release/1', 'create', undefined, {
    code: 'branch-create', message: /^You are not allowed to create protected branches on this project\. \(release\/1, rule "release\/\*"\)$/,
  }],
  ['maintainer creates release/1', { role: maint, branches: [branch('release/*')] }, 'refs/heads/release/1', 'create', undefined, 'allow'],
  ['developer creates release/1 on a developer rule', { role: dev, branches: [branch('release/*', { push: 'developer' })] }, 'refs/heads/release/1', 'create', undefined, 'allow'],
  ['the most permissive matching rule wins', { role: dev, branches: [branch('main'), branch('*', { push: 'developer' })] }, 'refs/heads/main', 'update', true, 'allow'],
  ['a group rule names its group', { role: dev, branches: [{ ...branch('*-stable'), owner: group }] }, 'refs/heads/2-stable', 'update', true, {
    code: 'branch-push', message: /\(2-stable, rule "\*-stable" of group acme\)$/,
  }],
  ['the project rule is named before a group rule', { role: dev, branches: [{ ...branch('ma*'), owner: group }, branch('main')] }, 'refs/heads/main', 'update', true, { code: 'branch-push', message: /rule "main"\)$/ }],
  ['an exact rule is named before a glob', { role: dev, branches: [branch('m*'), branch('main')] }, 'refs/heads/main', 'update', true, { code: 'branch-push', message: /rule "main"\)$/ }],
  ['a branch rule does not touch a tag of the same name', { role: dev, branches: [branch('v1')] }, 'refs/tags/v1', 'create', undefined, 'allow'],

  // Tags.
  ['developer creates protected v1.0', { role: dev, tags: [tag('v*')] }, 'refs/tags/v1.0', 'create', undefined, {
    code: 'tag-create', message: /^You are not allowed to create this tag as it is protected\. \(v1\.0, rule "v\*"\)$/,
  }],
  ['maintainer creates protected v1.0', { role: maint, tags: [tag('v*')] }, 'refs/tags/v1.0', 'create', undefined, 'allow'],
  ['developer creates on a developer tag rule', { role: dev, tags: [tag('v*', { create: 'developer' })] }, 'refs/tags/v1.0', 'create', undefined, 'allow'],
  ['maintainer moves a protected tag', { role: maint, tags: [tag('v*')] }, 'refs/tags/v1.0', 'update', true, { code: 'tag-update', message: /^Protected tags cannot be updated\. \(v1\.0, rule "v\*"\)$/ }],
  ['owner moves a protected tag', { role: 'owner', tags: [tag('v*', { create: 'developer' })] }, 'refs/tags/v1.0', 'update', false, { code: 'tag-update', message: /Protected tags/ }],
  ['developer deletes a protected tag', { role: dev, tags: [tag('v*', { create: 'developer' })] }, 'refs/tags/v1.0', 'delete', undefined, { code: 'tag-delete', message: /Only a project maintainer or owner/ }],
  ['maintainer deletes a protected tag', { role: maint, tags: [tag('v*')] }, 'refs/tags/v1.0', 'delete', undefined, 'allow'],
  ['an unprotected tag moves', { role: dev, tags: [tag('v*')] }, 'refs/tags/nightly', 'update', false, 'allow'],

  // Default-branch protection.
  ...(['full', 'full_after_initial_push'] as const).flatMap((protection): Row[] => [
    [`${protection}: developer pushes main`, { role: dev, defaultBranch: { name: 'main', protection } }, 'refs/heads/main', 'update', true, {
      code: 'branch-push', message: new RegExp(`\\(main, default branch protection "${protection}"\\)$`),
    }],
    [`${protection}: maintainer pushes main`, { role: maint, defaultBranch: { name: 'main', protection } }, 'refs/heads/main', 'update', true, 'allow'],
    [`${protection}: maintainer force-pushes main`, { role: maint, defaultBranch: { name: 'main', protection } }, 'refs/heads/main', 'update', false, { code: 'branch-force-push', message: /default branch protection/ }],
    [`${protection}: nobody deletes main`, { role: 'owner', defaultBranch: { name: 'main', protection } }, 'refs/heads/main', 'delete', undefined, { code: 'branch-delete', message: /main/ }],
    [`${protection}: other branches are free`, { role: dev, defaultBranch: { name: 'main', protection } }, 'refs/heads/topic', 'update', false, 'allow'],
  ]),
  ['full: developer makes the first push', { role: dev, defaultBranch: { name: 'main', protection: 'full' } }, 'refs/heads/main', 'create', undefined, { code: 'branch-create', message: /main/ }, true],
  ['full_after_initial_push: developer makes the first push', { role: dev, defaultBranch: { name: 'main', protection: 'full_after_initial_push' } }, 'refs/heads/main', 'create', undefined, 'allow', true],
  ['full_after_initial_push: emptiness unknown (the gate) lets the create through', { role: dev, defaultBranch: { name: 'main', protection: 'full_after_initial_push' } }, 'refs/heads/main', 'create', undefined, 'allow'],
  ['full_after_initial_push: creating main in a repository with refs', { role: dev, defaultBranch: { name: 'main', protection: 'full_after_initial_push' } }, 'refs/heads/main', 'create', undefined, { code: 'branch-create', message: /main/ }, false],
  ['developers_can_push: developer pushes main', { role: dev, defaultBranch: { name: 'main', protection: 'developers_can_push' } }, 'refs/heads/main', 'update', true, 'allow'],
  ['developers_can_push: developer force-pushes main', { role: dev, defaultBranch: { name: 'main', protection: 'developers_can_push' } }, 'refs/heads/main', 'update', false, { code: 'branch-force-push', message: /main/ }],
  ['none: developer force-pushes main', { role: dev, defaultBranch: { name: 'main', protection: 'none' } }, 'refs/heads/main', 'update', false, 'allow'],
  ['none: developer deletes main', { role: dev, defaultBranch: { name: 'main', protection: 'none' } }, 'refs/heads/main', 'delete', undefined, 'allow'],
  ['an explicit rule allowing force-push is more permissive than full', { role: maint, defaultBranch: { name: 'main', protection: 'full' }, branches: [branch('main', { allowForcePush: true })] }, 'refs/heads/main', 'update', false, 'allow'],

  // Per-token ref rules.
  ['token limited to tags pushes v1.0', { role: dev, tokenRefs: ['refs/tags/v*'] }, 'refs/tags/v1.0', 'create', undefined, 'allow'],
  ['token limited to tags pushes main', { role: 'owner', tokenRefs: ['refs/tags/v*'] }, 'refs/heads/main', 'update', true, {
    code: 'token-refs', message: /^This token is not allowed to push to this ref\. \(refs\/heads\/main, token refs "refs\/tags\/v\*"\)$/,
  }],
  ['token limited to tags deletes a branch', { role: dev, tokenRefs: ['refs/tags/v*'] }, 'refs/heads/x', 'delete', undefined, { code: 'token-refs', message: /token refs/ }],
  ['token limited to two patterns', { role: dev, tokenRefs: ['refs/tags/v*', 'refs/heads/ci/*'] }, 'refs/heads/ci/7', 'update', false, 'allow'],
  ['token rules do not lift protection', { role: dev, tokenRefs: ['refs/tags/v*'], tags: [tag('v*')] }, 'refs/tags/v1.0', 'create', undefined, { code: 'tag-create', message: /protected/ }],
  ['a token limit of refs/heads/* still refuses notes', { role: dev, tokenRefs: ['refs/heads/*'] }, 'refs/notes/commits', 'update', true, { code: 'token-refs', message: /refs\/notes\/commits/ }],
  ['other refs are protected only by token rules', { role: dev, branches: [branch('*')] }, 'refs/notes/commits', 'update', false, 'allow'],
]

for (const [name, p, ref, change, fastForward, expected, repositoryEmpty] of rows) {
  t.test(name, async t => {
    const v = decideRefUpdate(policy(p), { ref, change, fastForward }, { repositoryEmpty })
    if (expected === 'allow') {
      t.same(v, { ref, allow: true })
    } else {
      t.match(v, { ref, allow: false, code: expected.code })
      if (!v.allow) {
        t.match(v.message, expected.message)
        t.notMatch(v.reason, /[\n()]/, 'a short one-line reason')
      }
    }
  })
}

t.test('a push with one refused ref is refused whole', async t => {
  const p = policy({ role: dev, branches: [branch('main')] })
  const v = decidePush(p, [
    { ref: 'refs/heads/topic', change: 'create' },
    { ref: 'refs/heads/main', change: 'update', fastForward: true },
  ])
  t.equal(v.allow, false)
  if (v.allow) return
  t.same(v.messages, ['You are not allowed to push code to protected branches on this project. (main, rule "main")'])
  t.match(v.verdicts, [{ ref: 'refs/heads/topic', allow: true }, { ref: 'refs/heads/main', allow: false }])
  t.match(REFUSED_WITH_OTHERS, /another ref/)
  t.same(decidePush(p, [{ ref: 'refs/heads/topic', change: 'create' }]), { allow: true, verdicts: [{ ref: 'refs/heads/topic', allow: true }] })
})
