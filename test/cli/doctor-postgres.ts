// `gitward doctor` with a postgres:// db: the database checks are one
// connection check; a server that is down is a FAIL (exit 2).
import t from 'tap'
import path from 'node:path'
import { chmodSync } from 'node:fs'
import { ManualClock } from '../../src/clock.js'
import { bcryptHasher } from '../../src/auth/hasher.js'
import { run } from '../../src/cli/run.js'
import { memoryIo } from '../../src/cli/io.js'
import { startPostgresCluster } from '../helpers/servers/postgres-cluster.js'

const cluster = await startPostgresCluster(t)

if (cluster !== null) {
  t.test('doctor on PostgreSQL', async t => {
    const dir = t.testdir({ home: {}, repos: {} })
    const db = await cluster.createDatabase()
    const clock = new ManualClock(Date.now())
    const env = { PATH: process.env['PATH'], HOME: path.join(dir, 'home'), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GITWARD_DB: db, GITWARD_REPOS: path.join(dir, 'repos') }
    const cli = async (argv: string[]) => {
      const io = memoryIo(env, dir)
      const code = await run(argv, io, { clock, userName: () => 'gitward-test', hasher: () => bcryptHasher(4) })
      return { code, stdout: io.out.join(''), stderr: io.err.join('') }
    }
    chmodSync(path.join(dir, 'repos'), 0o750)
    t.equal((await cli(['repo', 'create', 'acme/app', '--reason', 'new team'])).code, 0)
    const trail = JSON.parse((await cli(['audit', '--json'])).stdout) as Array<{ details: Record<string, unknown> }>
    t.match(trail[0]?.details, { reason: 'new team' }, 'the PostgreSQL engine keeps the reason too')
    const healthy = await cli(['doctor', '--json'])
    const checks = (JSON.parse(healthy.stdout) as { checks: Array<{ check: string; status: string; message: string }> }).checks
    t.equal(healthy.code, 0, healthy.stdout)
    t.match(checks.find(c => c.check === 'database.open'), { status: 'ok', message: /^PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:\d+\/\S+ answers$/ })
    t.notOk(checks.some(c => c.check === 'database.file' || c.check === 'database.integrity'), 'no file checks for a server')
    t.match(checks.find(c => c.check === 'repositories.projects'), { status: 'ok' })

    await cluster.stop()
    t.teardown(() => cluster.start())
    const down = await cli(['doctor'])
    t.equal(down.code, 2)
    t.match(down.stdout, /^FAIL {2}database\.open: .*\. Fix: start PostgreSQL or correct db/m)
    t.match(down.stdout, /^WARN {2}repositories\.projects: not checked: the database could not be read/m)
  })
}
