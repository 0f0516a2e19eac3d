// gitward's pre-receive check: the part of the protected-ref decision only
// the objects can answer. The gate has already decided every name rule from
// the command list; here the same decision (src/access/ref-protection.ts) is
// made again with what git knows while the pushed objects sit in quarantine:
// whether each update is a fast-forward (`git merge-base --is-ancestor`
// sees quarantined objects through the environment receive-pack gives its
// hooks) and whether the repository is empty. A refusal is printed as
// `gitward: …` (git shows it as `remote: gitward: …`) and the hook exits 1:
// receive-pack then rejects every ref of the push and drops the quarantine,
// so nothing of a refused push is written.
//
// Cheap by design: one Node process per checked push, and one git process
// per update that a force-push would turn into a refusal.
import { decidePush, decideRefUpdate, refChangeOf, type RefUpdate } from '../access/ref-protection.js'
import { decodeRefPolicy, REF_POLICY_ENV } from '../access/ref-policy-codec.js'
import { isZeroId } from '../git/receive-pack-commands.js'

export interface HookIo {
  /** What git wrote to the hook's standard input: `<old> <new> <ref>` lines. */
  stdin: string
  env: Readonly<Record<string, string | undefined>>
  stderr(text: string): void
  /** Run git with the hook's environment; resolves with its exit code and stdout. */
  runGit(args: readonly string[]): Promise<{ code: number; stdout: string }>
}

const LINE = /^([0-9a-f]{40}|[0-9a-f]{64}) ([0-9a-f]{40}|[0-9a-f]{64}) (refs\/\S+)$/

const refuse = (io: HookIo, lines: readonly string[]): number => {
  for (const line of lines) io.stderr(`gitward: ${line}\n`)
  return 1
}

export async function runPreReceive(io: HookIo): Promise<number> {
  // GITWARD_REF_POLICY as the embedded backend and the documented nginx
  // config set it; a CGI server that turns every header into HTTP_* (Apache)
  // delivers the same value under the header's name.
  const decoded = decodeRefPolicy(io.env[REF_POLICY_ENV] ?? io.env['HTTP_X_GITWARD_REF_POLICY'])
  if (decoded === undefined) {
    // Fail closed: a hook that cannot read the policy must not let the push through.
    return refuse(io, [
      `This push cannot be checked: the gate's ref policy did not reach the hook (${REF_POLICY_ENV}); see docs/access.md.`,
    ])
  }
  const { policy } = decoded
  const commands: Array<{ oldId: string; newId: string; update: RefUpdate }> = []
  for (const line of io.stdin.split('\n')) {
    if (line === '') continue
    const m = LINE.exec(line)
    if (m === null) return refuse(io, ['This push cannot be checked: git sent an unexpected ref update line.'])
    const [, oldId = '', newId = '', ref = ''] = m
    commands.push({ oldId, newId, update: { ref, change: refChangeOf(isZeroId(oldId), isZeroId(newId)) } })
  }

  // Ask git only where the answer can change the verdict.
  const updates: RefUpdate[] = []
  for (const c of commands) {
    const u = c.update
    if (u.change === 'update' && !decideRefUpdate(policy, { ...u, fastForward: false }, { repositoryEmpty: false }).allow) {
      const r = await io.runGit(['merge-base', '--is-ancestor', c.oldId, c.newId])
      // 0: an ancestor; 1: not; anything else (not commits, a broken
      // repository) is treated as a force-push, never as a fast-forward.
      updates.push({ ...u, fastForward: r.code === 0 })
    } else {
      updates.push(u)
    }
  }
  let repositoryEmpty: boolean | undefined
  const def = policy.defaultBranch
  if (def?.protection === 'full_after_initial_push' && updates.some(u => u.change === 'create' && u.ref === `refs/heads/${def.name}`)) {
    // Refs are not updated until every hook has agreed, so this is the state before the push.
    const r = await io.runGit(['for-each-ref', '--count=1', '--format=%(refname)'])
    repositoryEmpty = r.code === 0 ? r.stdout.trim() === '' : false
  }
  const verdict = decidePush(policy, updates, { repositoryEmpty })
  if (verdict.allow) return 0
  return refuse(io, verdict.messages)
}
