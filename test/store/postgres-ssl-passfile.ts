// A real deployment's connection: the password from a libpq password file
// (PGPASSFILE, never in the db setting), TLS with the server's certificate
// verified against a CA (sslmode=verify-full, sslrootcert). The cluster
// accepts the gitward role only over TLS and only with its password, so a
// command that works proves both; each broken part gets one sentence that
// names the server and never the password.
import t from 'tap'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { gitwardProcess } from '../helpers/cli/bin.js'
import { issueLocalhostCertificate } from '../helpers/http/tls.js'
import { startPostgresCluster } from '../helpers/servers/postgres-cluster.js'

const PASSWORD = 'pw-' + 'x7Kq2mZr9Lw4'

t.test('PGPASSFILE and sslmode=verify-full', async t => {
  const dir = t.testdir()
  const cert = await issueLocalhostCertificate(join(dir, 'tls'), 'postgres')
  const otherCa = await issueLocalhostCertificate(join(dir, 'other'), 'other')
  const cluster = await startPostgresCluster(t, {
    ssl: { certFile: cert.certFile, keyFile: cert.keyFile },
    hostRules: ['hostssl all gitward 127.0.0.1/32 scram-sha-256', 'host all all 127.0.0.1/32 reject'],
  })
  if (cluster === null) return
  const admin = new pg.Client({ connectionString: cluster.adminUrl('postgres') })
  await admin.connect()
  await admin.query(`CREATE ROLE gitward LOGIN PASSWORD '${PASSWORD}'`)
  await admin.query('CREATE DATABASE gitward OWNER gitward')
  await admin.end()

  mkdirSync(join(dir, 'home'), { recursive: true })
  const passfile = join(dir, 'home', 'pgpass')
  writeFileSync(passfile, `127.0.0.1:${cluster.port}:gitward:gitward:${PASSWORD}\n`, { mode: 0o600 })
  const base = `postgres://gitward@127.0.0.1:${cluster.port}/gitward`
  const verified = `${base}?sslmode=verify-full&sslrootcert=${encodeURIComponent(cert.caFile)}`
  const cli = (db: string, args: string[], env: Record<string, string> = { PGPASSFILE: passfile }) =>
    gitwardProcess(dir, ['--db', db, '--repos', join(dir, 'repos'), ...args], { raw: true, env })

  const init = await cli(verified, ['init'])
  t.equal(init.code, 0, `init over verified TLS with the password file: ${init.stderr}`)
  const created = await cli(verified, ['repo', 'create', 'acme/app'])
  t.equal(created.code, 0, created.stderr)
  const listed = await cli(verified, ['repo', 'list', '--json'])
  t.equal(listed.code, 0, listed.stderr)
  t.same((JSON.parse(listed.stdout) as Array<{ path: string }>).map(p => p.path), ['acme/app'])
  t.notMatch(init.stderr + created.stderr + listed.stderr, /Warning/, 'no driver warning in the output')

  const refused: Array<[string, string, Record<string, string>, RegExp]> = [
    ['no password file', verified, { PGPASSFILE: join(dir, 'home', 'missing') }, /password/i],
    ['TLS switched off', `${base}?sslmode=disable`, { PGPASSFILE: passfile }, /gitward@127\.0\.0\.1/],
    ['a server certificate from another CA', `${base}?sslmode=verify-full&sslrootcert=${encodeURIComponent(otherCa.caFile)}`, { PGPASSFILE: passfile }, /certificate/i],
  ]
  for (const [what, db, env, reason] of refused) {
    const r = await cli(db, ['repo', 'list'], env)
    t.not(r.code, 0, `${what}: refused`)
    t.match(r.stderr, reason, `${what}: says why`)
    t.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line`)
    t.notMatch(r.stderr + r.stdout, PASSWORD, `${what}: the password is never shown`)
  }
})
