// The `db` setting as a PostgreSQL connection string: recognising one, and
// naming the server without its password. Pure, and kept apart from the
// driver so that a SQLite deployment never loads pg (about 10 MiB of
// resident memory; docs/performance.md).
export const isPostgresUrl = (db: string): boolean => /^postgres(ql)?:\/\//i.test(db)

/**
 * user@host:port/database for messages and logs: never the password, never
 * the query string (which may carry file paths of keys).
 */
export function describeServer(db: string): string {
  let u: URL
  try {
    u = new URL(db)
  } catch {
    return 'postgres://(unparsable connection string)'
  }
  const user = u.username === '' ? '' : `${decodeURIComponent(u.username)}@`
  const socketHost = u.searchParams.get('host')
  const host = u.hostname !== '' ? u.host : socketHost !== null ? socketHost : '(PGHOST)'
  const database = u.pathname.length > 1 ? decodeURIComponent(u.pathname.slice(1)) : '(PGDATABASE)'
  return `postgres://${user}${host}/${database}`
}
