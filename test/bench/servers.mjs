// Starts the two servers being compared, each as its own process:
//   gitward  `bin/gitward serve` (gate + embedded backend)
//   direct   test/bench/direct-backend.mjs (the embedded backend alone)
// Both are detached into their own process group, so a Ctrl-C in the
// terminal reaches only the benchmark, which then stops them in order.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { waitForLine } from './processes.mjs'

const STARTUP_MS = 30_000

/**
 * The Node flags on bin/gitward's `#!/usr/bin/env -S node …` line: the
 * benchmark runs gitward exactly as the installed command (and the systemd
 * unit through it) runs, and the direct server with the same flags.
 */
export function nodeFlags(root) {
  const first = readFileSync(join(root, 'bin', 'gitward'), 'utf8').split('\n', 1)[0] ?? ''
  const m = /^#!\/usr\/bin\/env(?: -S)? node((?: --[\w-]+(?:=\S+)?)*)\s*$/.exec(first)
  return m === null ? [] : m[1].trim().split(/\s+/).filter(Boolean)
}

/** A clean environment for a server: nothing from the caller's GITWARD_* settings leaks in. */
export function serverEnv(settings = {}) {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', HOME: process.env.HOME ?? '/' }
  for (const [k, v] of Object.entries(settings)) env[`GITWARD_${k.toUpperCase()}`] = String(v)
  return env
}

async function startServer({ registry, label, command, args, env, logFile, pattern }) {
  const out = openSync(logFile, 'a')
  let p
  try {
    p = registry.start(command, args, { env, stdio: ['ignore', out, 'pipe'], detached: true }, label)
  } finally {
    closeSync(out)
  }
  const match = await waitForLine(p.child.stderr, pattern, { timeoutMs: STARTUP_MS, exited: p.done, what: label }).catch(async e => {
    await registry.stop(p)
    throw e
  })
  // Keep reading stderr so the server never blocks on a full pipe.
  p.child.stderr.resume()
  const url = match[1]
  return {
    label,
    url,
    port: Number(new URL(url).port),
    pid: p.child.pid,
    stop: () => registry.stop(p),
  }
}

// Every benchmark client comes from 127.0.0.1, which gitward's fair share per
// client address (backend_max_processes_per_client, a quarter of the 16
// processes by default) would hold to 4 git requests at once. The peer runs
// 16 fcgiwrap workers for everyone; gitward gets the same 16 here.
const BENCH_SETTINGS = { backend_max_processes_per_client: 16 }

export function startGitward({ registry, root, db, repos, settings, logFile, label = 'gitward' }) {
  settings = { ...BENCH_SETTINGS, ...settings }
  return startServer({
    registry,
    label,
    command: process.execPath,
    args: [...nodeFlags(root), join(root, 'bin', 'gitward'), 'serve', '--init', '--listen', '127.0.0.1:0', '--db', db, '--repos', repos],
    env: serverEnv(settings),
    logFile,
    pattern: /gitward is listening on (http:\/\/127\.0\.0\.1:\d+)/,
  })
}

export function startDirect({ registry, root, repos, settings, logFile, label = 'direct' }) {
  return startServer({
    registry,
    label,
    command: process.execPath,
    args: [...nodeFlags(root), join(root, 'test', 'bench', 'direct-backend.mjs'), '--repos', repos, '--port', '0'],
    env: serverEnv(settings),
    logFile,
    pattern: /direct backend is listening on (http:\/\/127\.0\.0\.1:\d+)/,
  })
}

/** The plain Node pipe (node-pipe.mjs) in front of `upstream`, admitting one password. */
export function startNodePipe({ registry, root, upstream, password, logFile, label = 'node-pipe' }) {
  return startServer({
    registry,
    label,
    command: process.execPath,
    args: [...nodeFlags(root), join(root, 'test', 'bench', 'node-pipe.mjs'), '--upstream', upstream, '--port', '0'],
    env: serverEnv({ pipe_digest: createHash('sha256').update(password).digest('hex') }),
    logFile,
    pattern: /node-pipe is listening on (http:\/\/127\.0\.0\.1:\d+)/,
  })
}

/** Run the gitward CLI (admin commands); resolves stdout, throws with stderr on failure. */
export function gitwardCli({ root, db, repos, args }) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'gitward'), '--db', db, '--repos', repos, ...args], {
    encoding: 'utf8',
    env: serverEnv(),
    timeout: 60_000,
  })
  if (r.status !== 0) throw new Error(`gitward ${args.slice(0, 2).join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.trim()}`)
  return r.stdout
}
