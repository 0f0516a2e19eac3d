// The git program: present, recent enough for protocol v2, and (for the
// embedded backend) with its http-backend helper installed.
import { execFile } from 'node:child_process'
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { fail, ok, warn, type CheckResult } from './check-result.js'

/** Servers speak protocol v2 from git 2.18. */
const MIN_VERSION: readonly [number, number] = [2, 18]

function git(args: readonly string[], pathEnv: string): Promise<{ ok: true; out: string } | { ok: false; why: string }> {
  return new Promise(resolve => {
    execFile('git', [...args], { env: { PATH: pathEnv }, timeout: 10_000, encoding: 'utf8' }, (error, stdout) => {
      if (error === null) resolve({ ok: true, out: stdout.trim() })
      else resolve({ ok: false, why: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found on PATH' : error.message.split('\n')[0] ?? 'failed' })
    })
  })
}

export async function checkGit(pathEnv: string, embedded: boolean): Promise<CheckResult[]> {
  const version = await git(['--version'], pathEnv)
  if (!version.ok) {
    return [fail('git.version', `git cannot be run (${version.why})`, 'install git (Debian: apt-get install git) and make sure it is on PATH')]
  }
  const m = /(\d+)\.(\d+)/.exec(version.out)
  const [major, minor] = m === null ? [0, 0] : [Number(m[1]), Number(m[2])]
  const results: CheckResult[] = [
    major > MIN_VERSION[0] || (major === MIN_VERSION[0] && minor >= MIN_VERSION[1])
      ? ok('git.version', version.out)
      : warn('git.version', `${version.out} is older than ${MIN_VERSION.join('.')}: clients fall back to the slower protocol v0`, 'upgrade git'),
  ]
  if (!embedded) return results
  const execPath = await git(['--exec-path'], pathEnv)
  const backend = execPath.ok ? join(execPath.out, 'git-http-backend') : null
  try {
    if (backend === null) throw new Error('no exec path')
    await access(backend, constants.X_OK)
    results.push(ok('git.http-backend', `${backend} is installed`))
  } catch {
    results.push(
      fail('git.http-backend', `git http-backend is missing${backend === null ? '' : ` (${backend})`}`, "install git's http-backend (part of Debian's git package), or set upstream"),
    )
  }
  return results
}
