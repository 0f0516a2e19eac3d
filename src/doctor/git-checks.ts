// The git program: present, recent enough for protocol v2, and (for the
// embedded backend) with the two programs it runs, git-upload-pack and
// git-receive-pack, in its exec path.
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
  if (!execPath.ok) {
    results.push(fail('git.services', `git cannot say where its programs are (${execPath.why})`, 'reinstall git (Debian: apt-get install --reinstall git), or set upstream'))
    return results
  }
  const programs = ['git-upload-pack', 'git-receive-pack'].map(name => join(execPath.out, name))
  const missing: string[] = []
  for (const program of programs) {
    try {
      await access(program, constants.X_OK)
    } catch {
      missing.push(program)
    }
  }
  results.push(
    missing.length === 0
      ? ok('git.services', `${programs.join(' and ')} are installed`)
      : fail('git.services', `git's ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} missing`, 'reinstall git (Debian: apt-get install --reinstall git), or set upstream'),
  )
  return results
}
