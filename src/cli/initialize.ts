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

/** Creates what is missing; returns one sentence per thing, created or already there. */
export async function initialize(o: InitializeOptions): Promise<string[]> {
  const said: string[] = []
  if (isPostgresUrl(o.db)) {
    said.push('The PostgreSQL database is ready (its schema is applied on open).')
  } else {
    const file = resolve(o.db)
    said.push(existsSync(file) ? `The database ${file} already exists; its schema is up to date.` : `Created the database ${file}.`)
  }
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
  }
  return said
}
