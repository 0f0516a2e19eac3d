// First run: the database (opening a SQLite file makes its directory, 0700,
// and the file, 0600; a PostgreSQL database exists already and opening it
// applies the schema) and the repositories root. Only `gitward init` and
// `serve --init` create a database; every other command refuses a missing
// one, so a command run from the wrong directory cannot answer from a fresh,
// empty database while the real one stays untouched.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Clock } from '../clock.js'
import { GitwardError } from '../errors.js'
import type { Logger } from '../log/logger.js'
import { makeDirectories } from '../make-directories.js'
import type { Store } from '../store/store.js'
import { isPostgresUrl } from '../store/open-store.js'

export interface InitializeOptions {
  db: string
  /** The repositories root to create, or null (an external upstream keeps the repositories). */
  repos: string | null
  clock: Clock
  logger?: Logger
  openStore: (options: { file: string; clock: Clock; busyTimeoutMs: number; logger?: Logger }) => Promise<Store>
  busyTimeoutMs: number
}

/** What initialize found or made: one sentence per thing, and the facts for --json. */
export interface Initialized {
  said: string[]
  /** `file`: the SQLite file (null for PostgreSQL); `created`: false when it existed (always false for PostgreSQL). */
  database: { engine: 'sqlite' | 'postgres'; file: string | null; created: boolean }
  /** null when no repositories root is used (an external upstream). */
  repositories: { dir: string; created: boolean } | null
}

/** Creates what is missing; says what was created or already there. */
export async function initialize(o: InitializeOptions): Promise<Initialized> {
  const said: string[] = []
  let database: Initialized['database']
  if (isPostgresUrl(o.db)) {
    said.push('The PostgreSQL database is ready (its schema is applied on open).')
    database = { engine: 'postgres', file: null, created: false }
  } else {
    const file = resolve(o.db)
    const existed = existsSync(file)
    said.push(existed ? `The database ${file} already exists; its schema is up to date.` : `Created the database ${file}.`)
    database = { engine: 'sqlite', file, created: !existed }
  }
  let repositories: Initialized['repositories'] = null
  const store = await o.openStore({ file: o.db, clock: o.clock, busyTimeoutMs: o.busyTimeoutMs, ...(o.logger === undefined ? {} : { logger: o.logger }) })
  await store.close()
  if (o.repos !== null) {
    const root = resolve(o.repos)
    const existed = existsSync(root)
    try {
      makeDirectories(root, 0o750)
    } catch (e) {
      throw new GitwardError(
        'REPOSITORY_ERROR',
        `cannot create the repositories root ${root} (${(e as NodeJS.ErrnoException).code ?? 'error'}); create it or point --repos elsewhere.`,
        { cause: e },
      )
    }
    said.push(existed ? `The repositories root ${root} already exists.` : `Created the repositories root ${root}.`)
    repositories = { dir: root, created: !existed }
  }
  return { said, database, repositories }
}
