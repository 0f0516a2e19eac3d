// HTTPS with a certificate from a throw-away CA, and a certificate renewal
// without a restart: after the files are replaced and the TLS context is
// reloaded, clients that trust only the old CA are refused and clients that
// trust the new one get through. A broken replacement keeps the old one.
import t from 'tap'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startGitward, makeWorkingCopy } from '../helpers/servers/gitward.js'
import { issueLocalhostCertificate, type IssuedCertificate } from '../helpers/http/tls.js'
import { request } from '../helpers/http/request.js'

t.test('HTTPS clone, push and certificate reload', async t => {
  const certs = mkdtempSync(join(tmpdir(), 'gitward-tls-'))
  t.teardown(() => rmSync(certs, { recursive: true, force: true }))
  const first = await issueLocalhostCertificate(join(certs, 'first'), 'first')
  const second = await issueLocalhostCertificate(join(certs, 'second'), 'second')
  const live = join(certs, 'live')
  mkdirSync(live)
  const certFile = join(live, 'cert.pem')
  const keyFile = join(live, 'key.pem')
  const install = (c: Pick<IssuedCertificate, 'certFile' | 'keyFile'>): void => {
    copyFileSync(c.certFile, certFile)
    copyFileSync(c.keyFile, keyFile)
  }
  install(first)

  const h = await startGitward(t, { config: { tls_cert: certFile, tls_key: keyFile } })
  t.match(h.url, /^https:\/\/127\.0\.0\.1:\d+$/)
  await h.createProject('acme/app')
  const { token } = await h.mint({ project: 'acme/app' })
  const url = h.repoUrl('acme/app', token)
  let n = 0
  const cloneTrusting = (ca: string | null) =>
    h.git([...(ca === null ? [] : ['-c', `http.sslCAInfo=${ca}`]), 'clone', '-q', url, join(h.dir, `clone-${++n}`)])

  await t.test('push and clone trusting the CA', async t => {
    const wc = await makeWorkingCopy(h, 'wc')
    const push = await h.git(['-c', `http.sslCAInfo=${first.caFile}`, 'push', url, 'main'], { cwd: wc })
    t.equal(push.code, 0, push.stderr)
    const clone = await cloneTrusting(first.caFile)
    t.equal(clone.code, 0, clone.stderr)
    const health = await request(`${h.url}/-/health`, { ca: readFileSync(first.caFile) })
    t.equal(health.status, 200)
  })

  await t.test('a client that trusts nothing of ours is refused by its TLS check', async t => {
    const clone = await cloneTrusting(null)
    t.not(clone.code, 0)
    t.match(clone.stderr, /SSL certificate problem|server certificate verification failed/)
  })

  await t.test('after replacing the files and reloading, only the new CA is trusted', async t => {
    install(second)
    await h.app.reloadTls()
    const old = await cloneTrusting(first.caFile)
    t.not(old.code, 0, 'the old CA no longer verifies the served certificate')
    t.match(old.stderr, /SSL certificate problem|server certificate verification failed/)
    const renewed = await cloneTrusting(second.caFile)
    t.equal(renewed.code, 0, renewed.stderr)
  })

  await t.test('a broken replacement is refused and the served certificate stays', async t => {
    // A certificate with a key that does not belong to it.
    copyFileSync(first.certFile, certFile)
    copyFileSync(second.keyFile, keyFile)
    await t.rejects(h.app.reloadTls())
    const still = await cloneTrusting(second.caFile)
    t.equal(still.code, 0, still.stderr)
  })
})
