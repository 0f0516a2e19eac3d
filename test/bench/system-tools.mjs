// Finds the external programs the benchmark compares against or drives
// (wrk, nginx, fcgiwrap, htpasswd) and, when they are missing and this is a
// root shell on Debian, installs them with apt-get. Without them the
// dependent figures are skipped with a message, never failed.
import { spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

// Daemons live in sbin, which a non-root PATH often lacks.
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin']

export function findBinary(name) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(d => d !== ''), ...EXTRA_DIRS]
  for (const dir of dirs) {
    try {
      accessSync(join(dir, name), constants.X_OK)
      return join(dir, name)
    } catch {
      // not here
    }
  }
  return null
}

export function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * Binaries by name, installing `packages` first if any is missing and that
 * is possible. Resolves { ok: true, paths } or { ok: false, reason }.
 */
export function ensureBinaries(names, packages, log) {
  const find = () => Object.fromEntries(names.map(n => [n, findBinary(n)]))
  let paths = find()
  let missing = names.filter(n => paths[n] === null)
  if (missing.length === 0) return { ok: true, paths }
  const apt = findBinary('apt-get')
  if (process.getuid?.() !== 0 || apt === null) {
    return { ok: false, reason: `${missing.join(', ')} not installed (install: apt-get install -y ${packages.join(' ')})` }
  }
  log(`installing ${packages.join(' ')} with apt-get (missing: ${missing.join(', ')})`)
  const r = spawnSync(apt, ['install', '-y', '--no-install-recommends', ...packages], {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 600_000,
  })
  paths = find()
  missing = names.filter(n => paths[n] === null)
  if (missing.length === 0) return { ok: true, paths }
  return { ok: false, reason: `apt-get install ${packages.join(' ')} did not provide ${missing.join(', ')}: ${(r.stderr ?? '').trim().split('\n').slice(-2).join(' ')}` }
}
