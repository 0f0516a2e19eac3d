// Repository chores the end-to-end suite repeats: commits with given (or
// incompressible) content, many commits at once through fast-import, and
// reading refs straight from the bare repositories gitward serves.
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import { gitEnv } from './client.js'
import type { Harness } from '../servers/gitward.js'

/** The bare repository of a project inside the harness's repositories root. */
export const bareDir = (h: Pick<Harness, 'repos'>, project: string): string => join(h.repos, `${project}.git`)

/** `git rev-parse --verify -q <ref>` in any repository; '' when the ref is missing. */
export async function revParse(h: Pick<Harness, 'git'>, gitDir: string, ref: string): Promise<string> {
  const r = await h.git(['--git-dir', gitDir, 'rev-parse', '--verify', '-q', `${ref}^{commit}`])
  return r.code === 0 ? r.stdout.trim() : ''
}

/** HEAD of a working copy. */
export async function workHead(h: Pick<Harness, 'git'>, wc: string, ref = 'HEAD'): Promise<string> {
  const r = await h.git(['-C', wc, 'rev-parse', '--verify', '-q', ref])
  return r.code === 0 ? r.stdout.trim() : ''
}

/** Write files into a working copy and commit them; returns the new commit id. */
export async function commitFiles(
  h: Pick<Harness, 'git'>,
  wc: string,
  files: Record<string, string | Buffer>,
  message = 'change',
): Promise<string> {
  for (const [name, content] of Object.entries(files)) writeFileSync(join(wc, name), content)
  const add = await h.git(['-C', wc, 'add', '--', ...Object.keys(files)])
  if (add.code !== 0) throw new Error(`git add failed: ${add.stderr}`)
  const commit = await h.git(['-C', wc, 'commit', '-q', '-m', message])
  if (commit.code !== 0) throw new Error(`git commit failed: ${commit.stderr}`)
  return workHead(h, wc)
}

/** Bytes no compressor can shrink, so a pack really is as large as asked. */
export const incompressible = (bytes: number): Buffer => randomBytes(bytes)

/**
 * Add `count` commits on top of `branch` in one fast-import run (hundreds of
 * `git commit` processes would cost seconds on a shared machine). Each commit
 * changes one small file, so every commit id is distinct.
 */
export async function addManyCommits(h: Pick<Harness, 'home'>, wc: string, branch: string, count: number): Promise<void> {
  // Dated after every existing commit: negotiation offers the newest commits
  // first, so all of these are offered before the common history is reached.
  const start = Math.floor(Date.now() / 1000) + 3600
  const lines: string[] = []
  for (let i = 0; i < count; i++) {
    const data = `local change ${i}\n`
    const message = `local commit ${i}\n`
    lines.push(
      `commit refs/heads/${branch}`,
      `committer Test Author <author@example.test> ${start + i} +0000`,
      `data ${Buffer.byteLength(message)}`,
      message.slice(0, -1),
      ...(i === 0 ? [`from refs/heads/${branch}^0`] : []),
      `M 100644 inline local-${i % 7}.txt`,
      `data ${Buffer.byteLength(data)}`,
      data.slice(0, -1),
      '',
    )
  }
  const input = lines.join('\n') + '\n'
  await new Promise<void>((resolve, reject) => {
    const child = spawn('git', ['-C', wc, 'fast-import', '--quiet'], { env: gitEnv(h.home), stdio: ['pipe', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')))
    child.on('error', reject)
    child.on('close', code => (code === 0 ? resolve() : reject(new Error(`git fast-import failed (${code}): ${stderr}`))))
    child.stdin.end(input)
  })
  // fast-import updates the ref, not the index or the working tree.
  const reset = await new Promise<number>(resolve => {
    const child = spawn('git', ['-C', wc, 'reset', '-q', '--hard', branch], { env: gitEnv(h.home), stdio: 'ignore' })
    child.on('close', code => resolve(code ?? 1))
  })
  if (reset !== 0) throw new Error('git reset after fast-import failed')
}

/** The protocol version the server answered with, from a GIT_TRACE_PACKET trace. */
export function spokenProtocol(packetTrace: string): 0 | 2 {
  return /git< version 2/.test(packetTrace) ? 2 : 0
}

/** The `remote: ...` lines git printed (the server's plain-text answer). */
export function remoteLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter(l => l.startsWith('remote: '))
    .map(l => l.slice('remote: '.length).trim())
}
