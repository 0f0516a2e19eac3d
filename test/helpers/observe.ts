// What an attack test watches to prove that "nothing reached git":
//   - the gate's request log lines: a request is forwarded to the backend
//     only after the gate has set its decision to "allow", and every request
//     gets exactly one line, so the count of "allow" lines is the count of
//     requests that could have started a git process;
//   - the embedded backend's running git processes;
//   - the refs of the bare repositories an attack aims at (a push or a ref
//     deletion that got through would change them).
import { join } from 'node:path'
import type { Test } from 'tap'
import type { Harness } from './servers/gitward.js'
import { sleep } from './wait/wait-until.js'

export interface RequestLine {
  id: string
  method?: string
  project?: string
  service?: string
  decision: string
  status: number
  client?: string
  tokenId?: string
}

/** Every request line the server has logged so far. */
export function requestLines(h: Harness): RequestLine[] {
  const out: RequestLine[] = []
  for (const line of h.logText().split('\n')) {
    if (line === '') continue
    const record = JSON.parse(line) as Record<string, unknown>
    if (record['msg'] === 'request') out.push(record as unknown as RequestLine)
  }
  return out
}

export const allowedCount = (h: Harness): number => requestLines(h).filter(l => l.decision === 'allow').length

/**
 * Wait until the server has been quiet: no new request line for `quietMs`
 * and no git process running (bounded by `timeoutMs`). A request that
 * slipped through would show up in this window.
 */
export async function settle(h: Harness, quietMs = 300, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs
  let count = requestLines(h).length
  let quietSince = Date.now()
  while (Date.now() < until) {
    await sleep(25)
    const now = requestLines(h).length
    if (now !== count) {
      count = now
      quietSince = Date.now()
    }
    const busy = (h.app.backend?.activeProcesses() ?? 0) > 0
    if (busy) quietSince = Date.now()
    if (Date.now() - quietSince >= quietMs) return
  }
}

export const bareRepo = (h: Harness, project: string): string => join(h.repos, `${project}.git`)

/** `refname sha` lines of a bare repository (empty string when it has no refs). */
export async function refsOf(h: Harness, project: string): Promise<string> {
  const r = await h.git(['--git-dir', bareRepo(h, project), 'for-each-ref', '--format=%(refname) %(objectname)'])
  if (r.code !== 0) throw new Error(`for-each-ref failed: ${r.stderr}`)
  return r.stdout
}

export interface Watch {
  /** Assert that no request was forwarded, no git process runs and the watched refs are unchanged. */
  untouched(t: Test, what: string): Promise<void>
  /** Requests forwarded since the watch began (after settling). */
  forwarded(): Promise<number>
  /** The request lines of those forwarded requests. */
  forwardedLines(): Promise<RequestLine[]>
}

/** Start watching a harness (and the refs of `projects`) before an attack. */
export async function watch(h: Harness, projects: readonly string[] = []): Promise<Watch> {
  await settle(h, 100)
  const allowed = allowedCount(h)
  const lines = requestLines(h).length
  const refs = new Map<string, string>()
  for (const p of projects) refs.set(p, await refsOf(h, p))
  return {
    forwarded: async () => {
      await settle(h)
      return allowedCount(h) - allowed
    },
    forwardedLines: async () => {
      await settle(h)
      return requestLines(h).slice(lines).filter(l => l.decision === 'allow')
    },
    untouched: async (t, what) => {
      await settle(h)
      t.equal(allowedCount(h) - allowed, 0, `${what}: no request was forwarded to git`)
      t.equal(h.app.backend?.activeProcesses() ?? 0, 0, `${what}: no git process is running`)
      for (const [p, before] of refs) t.equal(await refsOf(h, p), before, `${what}: refs of ${p} unchanged`)
    },
  }
}
