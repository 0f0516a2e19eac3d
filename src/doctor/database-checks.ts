// The database: it exists, only the service user can read it, SQLite opens
// it, its schema is one this gitward knows, and SQLite's own integrity check
// passes. Read-only throughout: the store is opened (for the token and
// project checks) only once the schema is current, so the doctor never
// migrates a database it was asked to examine.
import { stat } from 'node:fs/promises'
import { isGitwardError } from '../errors.js'
import { inspectSqliteDatabase } from '../store/sqlite-inspect.js'
import { describeServer, isPostgresUrl } from '../store/postgres/url.js'
import type { Store } from '../store/store.js'
import { fail, ok, warn, type CheckResult } from './check-result.js'
import { checkOwnerAndMode, missing, type Identity } from './file-access.js'

export const RESTORE_FIX = 'restore the last backup (docs/operations.md, "Restore")'

export interface DatabaseFindings {
  results: CheckResult[]
  /** Open when every check passed far enough to read it; the caller closes it. */
  store: Store | null
}

export async function checkDatabase(file: string, me: Identity, openStore: (file: string) => Promise<Store>): Promise<DatabaseFindings> {
  const results: CheckResult[] = []
  const done = (store: Store | null = null): DatabaseFindings => ({ results, store })
  if (isPostgresUrl(file)) {
    // A PostgreSQL server keeps its own files, modes and integrity; what
    // gitward can check is that it connects with the schema it expects.
    try {
      const store = await openStore(file)
      await store.ping()
      results.push(ok('database.open', `PostgreSQL at ${describeServer(file)} answers`))
      return done(store)
    } catch (e) {
      results.push(fail('database.open', isGitwardError(e) ? e.message.replace(/\.$/, '') : `PostgreSQL at ${describeServer(file)} cannot be used`, 'start PostgreSQL or correct db; see its server log'))
      return done()
    }
  }
  let stats
  try {
    stats = await stat(file)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT') {
      results.push(missing('database.file', 'the database', file, 'create it with "gitward serve --init", or point db (--db) at the existing one'))
    } else {
      results.push(fail('database.file', `the database ${file} cannot be examined (${code ?? 'error'})`, 'check the permissions of its directory'))
    }
    return done()
  }
  if (!stats.isFile()) {
    results.push(fail('database.file', `the database path ${file} is not a regular file`, 'point db (--db) at the database file'))
    return done()
  }
  results.push(checkOwnerAndMode('database.file', 'the database', file, stats, me, 0o600))

  let inspection
  try {
    inspection = inspectSqliteDatabase(file)
  } catch (e) {
    const message = isGitwardError(e) ? e.message.replace(/\.$/, '') : `the database ${file} cannot be opened (${String(e)})`
    results.push(fail('database.open', message, RESTORE_FIX))
    return done()
  }
  results.push(ok('database.open', `SQLite opens ${file} (journal mode ${inspection.journalMode})`))

  const { schemaVersion: found, knownVersion: known } = inspection
  if (found > known) {
    results.push(fail('database.schema', `schema version ${found} is newer than this gitward knows (${known})`, 'run the gitward version that wrote it, or upgrade gitward'))
  } else if (found < known) {
    results.push(warn('database.schema', `schema version ${found}; this gitward upgrades it to ${known} when it next opens it`, 'take a backup (gitward backup FILE), then restart gitward serve'))
  } else {
    results.push(ok('database.schema', `schema version ${found}, current`))
  }

  if (inspection.problems.length > 0) {
    results.push(fail('database.integrity', `SQLite's integrity check found damage: ${inspection.problems.slice(0, 3).join('; ')}`, RESTORE_FIX))
    return done()
  }
  results.push(ok('database.integrity', "SQLite's integrity check passes"))
  if (found !== known) return done()

  try {
    return done(await openStore(file))
  } catch (e) {
    results.push(fail('database.open', isGitwardError(e) ? e.message.replace(/\.$/, '') : String(e), RESTORE_FIX))
    return done()
  }
}

/** Active tokens without an expiry date: they work until someone remembers to revoke them. */
export async function checkTokenExpiry(store: Store): Promise<CheckResult> {
  const forever = (await store.listTokens({ includeRevoked: false })).filter(t => t.expiresAt === null)
  if (forever.length === 0) return ok('tokens.expiry', 'every active token has an expiry date')
  const shown = forever.slice(0, 10).map(t => `${t.id} (${t.name})`)
  const more = forever.length > shown.length ? ` and ${forever.length - shown.length} more` : ''
  return warn(
    'tokens.expiry',
    `${forever.length} active token${forever.length === 1 ? ' never expires' : 's never expire'}: ${shown.join(', ')}${more}`,
    'replace each with one that expires: gitward token rotate ID (without --expires the new one gets the longest max_token_lifetime_days allows; the old one stops at once, so update its users)',
  )
}
