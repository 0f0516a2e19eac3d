// One harness for every end-to-end test: a real gitward (the same startApp
// the CLI uses) on 127.0.0.1 port 0, a real SQLite file and real bare
// repositories in a temp dir, an injected manual clock, and the real git
// client. Every log line the server writes is kept; at teardown the harness
// asserts that none of the tokens it minted (nor base64 of "user:token")
// appears in them, so every e2e test doubles as a secret-leak test.
import { randomBytes } from 'node:crypto'
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { ManualClock } from '../../../src/clock.js'
import { loadConfig } from '../../../src/config/load.js'
import { createLogger } from '../../../src/log/logger.js'
import { startApp, type App } from '../../../src/app.js'
import { openStore } from '../../../src/store/open-store.js'
import { bcryptHasher, type Hasher } from '../../../src/auth/hasher.js'
import { TOKEN_PATTERN_MIN_LENGTH, tokenPatterns } from '../../../src/auth/token-format.js'
import { mintToken } from '../../../src/admin/mint-token.js'
import { createProject } from '../../../src/admin/create-project.js'
import { revokeToken } from '../../../src/admin/revoke-token.js'
import { execFileGit } from '../../../src/repo/run-git.js'
import type { Role } from '../../../src/model/role.js'
import type { Scope } from '../../../src/model/scope.js'
import type { Visibility } from '../../../src/model/visibility.js'
import type { DefaultBranchProtection } from '../../../src/model/protection.js'
import type { Store } from '../../../src/store/store.js'
import { makeGitClient, withCredentials, type GitOptions, type RunResult } from '../git/client.js'
import { BIN } from '../paths/root.js'


export interface HarnessOptions {
  /** Extra config keys, e.g. { ban_max_failures: '3' } (as environment strings). */
  config?: Record<string, string>
  /** Repositories root to serve instead of a fresh one in the temp dir. */
  repos?: string
  /** A postgres:// database to use instead of a fresh SQLite file in the temp dir. */
  db?: string
  /** Start time of the injected clock (default 2026-06-15T12:00:00Z). */
  now?: Date
  /** The hasher the server verifies tokens with (default: bcrypt, cost 4). */
  hasher?: Hasher
  /**
   * Runs before anything opens the database (which would bring its schema up
   * to date): a test can leave a database as an older gitward wrote it.
   */
  prepare?: (paths: { db: string; repos: string; dir: string }) => Promise<void>
}

export interface MintOptions {
  project?: string
  group?: string
  scopes?: Scope[]
  role?: Role
  expiresAt?: string | null
  name?: string
  /** bcrypt cost of the stored hash (default 4, cheap); 10 is the production default. */
  bcryptCost?: number
  /** Full-ref patterns the token is limited to (token create --refs). */
  refRules?: string[]
}

export interface Harness {
  app: App
  url: string
  dir: string
  repos: string
  db: string
  clock: ManualClock
  /** Admin-side store (a second connection, like the CLI's). */
  admin: Store
  tokens: string[]
  logText(): string
  git(args: readonly string[], options?: GitOptions): Promise<RunResult>
  spawnGit: ReturnType<typeof makeGitClient>['spawnGit']
  home: string
  /** URL of a project, with a token as the Basic password when given. */
  repoUrl(project: string, token?: string, user?: string): string
  /** Register a project; its default branch is unprotected unless `protection` says otherwise. */
  createProject(path: string, visibility?: Visibility, protection?: DefaultBranchProtection): Promise<void>
  mint(options: MintOptions): Promise<{ id: string; token: string }>
  /** Revoke a token the way `gitward token revoke` does. */
  revoke(id: string): Promise<void>
  /** Run the real CLI against this harness's database and repositories. */
  cli(args: readonly string[], env?: Record<string, string>): Promise<RunResult>
  stop(): Promise<void>
}

export async function startGitward(t: Test, options: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'gitward-e2e-'))
  const repos = options.repos ?? join(dir, 'repositories')
  const db = options.db ?? join(dir, 'data', 'gitward.db')
  mkdirSync(repos, { recursive: true })
  const clock = new ManualClock(options.now ?? new Date('2026-06-15T12:00:00Z'))
  const lines: string[] = []
  const config = loadConfig({
    flags: { listen: '127.0.0.1:0', db, repos },
    env: { GITWARD_BCRYPT_COST: '4', ...Object.fromEntries(Object.entries(options.config ?? {}).map(([k, v]) => [`GITWARD_${k.toUpperCase()}`, v])) },
    cwd: dir,
  })
  const logger = createLogger({ write: l => lines.push(l), clock, level: 'debug', secretPatterns: tokenPatterns(config.token_prefix), secretMinLength: TOKEN_PATTERN_MIN_LENGTH })
  await options.prepare?.({ db, repos, dir })
  const admin = await openStore({ db, clock, busyTimeoutMs: 5000 })
  const app = await startApp({ config, clock, random: randomBytes, logger, hasher: options.hasher })
  const { git, spawnGit, home } = makeGitClient(dir)
  const hasher = bcryptHasher(4)
  const tokens: string[] = []

  const h: Harness = {
    app,
    url: app.url,
    dir,
    repos,
    db,
    clock,
    admin,
    tokens,
    home,
    logText: () => lines.join(''),
    git,
    spawnGit,
    repoUrl: (project, token, user = 'git') =>
      token === undefined ? `${app.url}/${project}.git` : `${withCredentials(app.url, token, user)}/${project}.git`,
    createProject: async (path, visibility = 'private', protection = 'none') => {
      await createProject(
        { store: admin, reposRoot: repos, defaultBranch: 'main', defaultBranchProtection: protection, runGit: execFileGit({ env: { PATH: process.env['PATH'] } }) },
        { path, visibility },
        { user: 'test' },
      )
    },
    mint: async o => {
      const target = o.project !== undefined ? { kind: 'project' as const, path: o.project } : { kind: 'group' as const, path: o.group ?? '' }
      const m = await mintToken(
        { store: admin, hasher: o.bcryptCost === undefined ? hasher : bcryptHasher(o.bcryptCost), random: randomBytes, tokenPrefix: config.token_prefix, clock, maxTokenLifetimeDays: 0 },
        {
          name: o.name ?? 'test token',
          target,
          role: o.role ?? 'maintainer',
          scopes: o.scopes ?? ['read_repository', 'write_repository'],
          expiresAt: o.expiresAt ?? null,
          refRules: o.refRules ?? null,
        },
        { user: 'test' },
      )
      tokens.push(m.token)
      return { id: m.record.id, token: m.token }
    },
    revoke: async id => {
      await revokeToken({ store: admin }, { id }, { user: 'test' })
    },
    cli: (args, env = {}) =>
      new Promise(res => {
        execFile(
          process.execPath,
          [BIN, ...args],
          { cwd: dir, env: { PATH: process.env['PATH'] ?? '', GITWARD_DB: db, GITWARD_REPOS: repos, GITWARD_BCRYPT_COST: '4', ...env }, encoding: 'utf8', timeout: 60_000 },
          (error, stdout, stderr) => res({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
        )
      }),
    stop: async () => {
      await app.stop()
      await admin.close()
    },
  }

  t.teardown(async () => {
    await h.stop()
    // Every e2e test is also a leak test: no token, no base64 credential.
    const text = h.logText()
    writeFileSync(join(dir, 'server.log'), text)
    for (const token of tokens) {
      for (const user of ['git', 'x', 'oauth2', 'user']) {
        const b64 = Buffer.from(`${user}:${token}`).toString('base64')
        if (text.includes(b64)) t.fail(`server log contains base64 credentials for a token (${dir}/server.log)`)
      }
      if (text.includes(token)) t.fail(`server log contains a token (${dir}/server.log)`)
      const secretPart = token.slice(-38)
      if (text.includes(secretPart)) t.fail(`server log contains a token secret (${dir}/server.log)`)
    }
    // Keep the directory (and its server.log) only when something failed.
    if (t.passing()) rmSync(dir, { recursive: true, force: true })
  })
  return h
}

/** Make a local working repository with one commit on main. */
export async function makeWorkingCopy(h: Harness, name: string, files: Record<string, string | Buffer> = { 'README.md': 'hello\n' }): Promise<string> {
  const dir = join(h.dir, name)
  mkdirSync(dir, { recursive: true })
  await h.git(['init', '-q', '-b', 'main', dir])
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content)
  await h.git(['add', '.'], { cwd: dir })
  await h.git(['commit', '-q', '-m', 'initial'], { cwd: dir })
  return dir
}
