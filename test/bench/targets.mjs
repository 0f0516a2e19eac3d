// The servers a figure is measured against, as the git client sees them:
// a base URL and how to authenticate. Direct gets no credentials (nothing
// asks for them) and, for pushes, the header the embedded backend takes as
// REMOTE_USER (http.extraHeader), which is what gitward itself would send.
import { rmSync } from 'node:fs'
import { request } from 'node:http'

export function target({ label, url, auth, pushConfig = {}, gitConfig = {}, pid }) {
  return {
    label,
    url,
    auth,
    pushConfig,
    /** Extra git settings for every operation through this target. */
    gitConfig,
    /** The server's process id when it is one process (direct, gitward): CPU is accounted. */
    pid,
    repoUrl: project => `${url}/${project}.git`,
  }
}

export const directPushConfig = { 'http.extraHeader': 'x-gitward-remote-user: bench_bot' }

/** GET a URL with an optional Authorization value; resolves the status code. */
export function probe(url, authorization) {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { ...(authorization ? { authorization } : {}), 'git-protocol': 'version=2' }, timeout: 30_000 }, res => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
    })
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)))
    req.on('error', reject)
    req.end()
  })
}

export const basicValue = auth => (auth === undefined ? undefined : `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`)

/** Clone once into `dest` (removed afterwards); resolves git's wall time in ms. */
export async function timedClone(ctx, t, project, dest, extraArgs = []) {
  rmSync(dest, { recursive: true, force: true })
  try {
    const r = await ctx.git.must(['clone', '--quiet', ...extraArgs, t.repoUrl(project), dest], {
      auth: t.auth,
      config: t.gitConfig,
      timeoutMs: ctx.options.cloneTimeoutMs,
    })
    return r.ms
  } finally {
    rmSync(dest, { recursive: true, force: true })
  }
}
