// Throw-away certificate authorities and server certificates for
// 127.0.0.1, made with the openssl command line (EC keys: fast to generate).
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

function openssl(args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', [...args], { cwd, timeout: 30_000, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' } }, (error, _out, stderr) => {
      if (error === null) resolve()
      else reject(new Error(`openssl ${args[0]} failed: ${stderr}`))
    })
  })
}

export interface IssuedCertificate {
  /** The CA certificate a client trusts (PEM file). */
  caFile: string
  /** The server certificate (PEM file) for IP 127.0.0.1. */
  certFile: string
  /** Its private key (PEM file). */
  keyFile: string
}

/** A new CA in `dir`, and a server certificate for 127.0.0.1 it signed. */
export async function issueLocalhostCertificate(dir: string, name: string): Promise<IssuedCertificate> {
  mkdirSync(dir, { recursive: true })
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  await openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', `/CN=gitward test CA ${name}`], dir)
  await openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir)
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName = IP:127.0.0.1\nbasicConstraints = CA:FALSE\nkeyUsage = digitalSignature\nextendedKeyUsage = serverAuth\n',
  )
  await openssl(
    ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', 'server.pem', '-extfile', 'server.ext'],
    dir,
  )
  return { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server.key') }
}
