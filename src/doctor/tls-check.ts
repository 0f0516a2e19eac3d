// The TLS certificate and key: readable, parseable, belonging together, and
// valid now and for a while yet (a renewal that silently stopped working
// shows here weeks before clients see an expired certificate).
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { fail, ok, warn, type CheckResult } from './check-result.js'

const DAY_MS = 86_400_000
/** certbot renews 30 days ahead; fewer than this left means renewal is failing. */
export const TLS_WARN_DAYS = 20

export async function checkTls(certFile: string | null, keyFile: string | null, nowMs: number): Promise<CheckResult[]> {
  if (certFile === null || keyFile === null) return [ok('tls', 'not configured: plain HTTP (put a TLS-terminating proxy in front, or set tls_cert and tls_key)')]
  let certPem: Buffer
  let keyPem: Buffer
  try {
    certPem = await readFile(certFile)
    keyPem = await readFile(keyFile)
  } catch (e) {
    return [fail('tls.files', `the TLS certificate or key cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, `check tls_cert (${certFile}) and tls_key (${keyFile}) and that the service user may read them`)]
  }
  let cert: X509Certificate
  try {
    cert = new X509Certificate(certPem)
  } catch {
    return [fail('tls.certificate', `${certFile} is not a PEM certificate`, 'point tls_cert at the PEM certificate chain (fullchain.pem)')]
  }
  let key
  try {
    key = createPrivateKey(keyPem)
  } catch {
    return [fail('tls.key', `${keyFile} is not a PEM private key (or it is encrypted)`, 'point tls_key at the unencrypted PEM private key (privkey.pem)')]
  }
  const results: CheckResult[] = [ok('tls.files', `${certFile} and ${keyFile} are readable`)]
  if (!cert.checkPrivateKey(key)) {
    results.push(fail('tls.match', 'the private key does not belong to the certificate', 'install the key and certificate of the same issuance together'))
  } else {
    results.push(ok('tls.match', 'the private key belongs to the certificate'))
  }
  const from = Date.parse(cert.validFrom)
  const to = Date.parse(cert.validTo)
  const days = Math.floor((to - nowMs) / DAY_MS)
  if (nowMs < from) {
    results.push(fail('tls.expiry', `the certificate is not valid before ${new Date(from).toISOString()}`, 'check the system clock, or install the right certificate'))
  } else if (nowMs >= to) {
    results.push(fail('tls.expiry', `the certificate expired on ${new Date(to).toISOString()}`, 'renew it, install it and reload: systemctl reload gitward'))
  } else if (days < TLS_WARN_DAYS) {
    results.push(warn('tls.expiry', `the certificate expires in ${days} days (${new Date(to).toISOString()})`, 'renew it now (is the certbot timer running?), then systemctl reload gitward'))
  } else {
    results.push(ok('tls.expiry', `the certificate is valid for ${days} more days (${cert.subject.replace(/\n/g, ', ')})`))
  }
  return results
}
