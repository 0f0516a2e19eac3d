// The pure parts of the PostgreSQL engine: naming the server without its
// password, and turning the driver's errors into gitward's typed ones
// (a database problem is DB_UNAVAILABLE or DB_BUSY — a 503 — never
// anything the front could answer 401 for).
import t from 'tap'
import { describeServer, isPostgresUrl } from '../../src/store/postgres/connection.js'
import { isConnectionError, translatePostgresError } from '../../src/store/postgres/errors.js'
import { GitwardError } from '../../src/errors.js'

t.test('which db settings are PostgreSQL', async t => {
  for (const yes of ['postgres://h/d', 'postgresql://u@h/d', 'POSTGRES://h/d', 'postgres:///d?host=/run/postgresql']) t.ok(isPostgresUrl(yes), yes)
  for (const no of ['/var/lib/gitward/gitward.db', 'data/postgres.db', 'postgres.db', 'mysql://h/d']) t.notOk(isPostgresUrl(no), no)
})

t.test('the server is named without password or query string', async t => {
  const table: Array<[string, string]> = [
    ['postgres://gw:s3cret@db.example.org:5432/gitward?sslmode=verify-full&sslkey=/k', 'postgres://gw@db.example.org:5432/gitward'],
    ['postgresql://db/gitward', 'postgres://db/gitward'],
    ['postgres:///gitward?host=/run/postgresql', 'postgres:///run/postgresql/gitward'],
    ['postgres://', 'postgres://(PGHOST)/(PGDATABASE)'],
    ['postgres://%75ser:pw@h/d%20b', 'postgres://user@h/d b'],
  ]
  for (const [url, want] of table) {
    t.equal(describeServer(url), want, url)
    t.notMatch(describeServer(url), /s3cret|pw|sslkey/)
  }
})

const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code })

t.test('driver errors become DB_BUSY or DB_UNAVAILABLE; statement errors pass through', async t => {
  const server = 'postgres://gw@db/gitward'
  const table: Array<[Error, string | null, boolean?]> = [
    [withCode('canceling statement due to lock timeout', '55P03'), 'DB_BUSY'],
    [withCode('canceling statement due to statement timeout', '57014'), 'DB_BUSY'],
    [withCode('sorry, too many clients already', '53300'), 'DB_BUSY'],
    [withCode('could not serialize access', '40001'), 'DB_BUSY'],
    [withCode('terminating connection due to administrator command', '57P01'), 'DB_UNAVAILABLE'],
    [withCode('the database system is starting up', '57P03'), 'DB_UNAVAILABLE'],
    [withCode('connection failure', '08006'), 'DB_UNAVAILABLE'],
    [withCode('password authentication failed for user "gw"', '28P01'), 'DB_UNAVAILABLE'],
    [withCode('database "gitward" does not exist', '3D000'), 'DB_UNAVAILABLE'],
    [withCode('permission denied for table tokens', '42501'), 'DB_UNAVAILABLE'],
    [withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), 'DB_UNAVAILABLE'],
    [withCode('getaddrinfo ENOTFOUND db', 'ENOTFOUND'), 'DB_UNAVAILABLE'],
    [new Error('Connection terminated unexpectedly'), 'DB_UNAVAILABLE'],
    [new Error('Query read timeout'), 'DB_BUSY'],
    [new Error('timeout exceeded when trying to connect'), 'DB_BUSY', true],
    [new Error('timeout exceeded when trying to connect'), 'DB_UNAVAILABLE', false],
    [new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string'), 'DB_UNAVAILABLE'],
    // Statement problems are the caller's to handle (e.g. a duplicate key).
    [withCode('duplicate key value violates unique constraint', '23505'), null],
    [withCode('new row violates check constraint', '23514'), null],
    [new TypeError('a bug'), null],
  ]
  for (const [error, code, full] of table) {
    const out = translatePostgresError(error, server, () => full === true)
    if (code === null) t.equal(out, error, `${error.message}: unchanged`)
    else {
      t.type(out, GitwardError, error.message)
      t.equal((out as GitwardError).code, code, error.message)
      t.equal((out as GitwardError).status, 503)
      t.match((out as GitwardError).message, server)
    }
  }
  t.ok(isConnectionError(withCode('x', 'ECONNRESET')))
  t.ok(isConnectionError(withCode('x', '57P01')))
  t.notOk(isConnectionError(withCode('x', '23505')))
})
