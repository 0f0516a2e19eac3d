// A command run by another user than the one who owns gitward's files (root
// through sudo, or a colleague's account) can leave files the service cannot
// use: SQLite's -wal/-shm files, repositories. Say so before it runs.
import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import { isPostgresUrl } from '../store/open-store.js'

export function ownerWarnings(paths: { db: string; repos: string | null }, euid: number): string[] {
  if (euid < 0) return []
  const checked: Array<[string, string | null]> = [
    ['the database', isPostgresUrl(paths.db) ? null : paths.db],
    ['the repositories root', paths.repos],
  ]
  const warnings: string[] = []
  for (const [what, path] of checked) {
    if (path === null) continue
    let uid: number
    try {
      uid = statSync(path).uid
    } catch {
      continue
    }
    if (uid !== euid) {
      warnings.push(
        `warning: you are uid ${euid} but ${what} ${resolve(path)} belongs to uid ${uid}; run gitward as that user (for example sudo -u <service user> gitward …) so that what it writes stays usable by the service.\n`,
      )
    }
  }
  return warnings
}
