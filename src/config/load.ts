// Configuration is read once: file, then GITWARD_* environment, then flags.
// Every problem is collected and reported together, each with its key and
// where the value came from; the result is frozen.
import { readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { isIP } from 'node:net'
import { parse as parseToml, TomlError } from 'smol-toml'
import { GitwardError } from '../errors.js'
import { canonicalRange } from '../net/address-ranges.js'
import { CONFIG_KEYS, SCHEMA, envName, type ConfigKey, type KeyType } from './schema.js'
import { assertNever } from '../assert-never.js'
import { checkRepoPath } from '../git/repo-path.js'

type ValueOf<K extends ConfigKey> = (typeof SCHEMA)[K]['type']['kind'] extends 'int'
  ? number
  : (typeof SCHEMA)[K]['type']['kind'] extends 'bool'
    ? boolean
    : (typeof SCHEMA)[K]['type']['kind'] extends 'list'
      ? readonly string[]
      : (typeof SCHEMA)[K]['type']['kind'] extends 'routes'
        ? readonly Route[]
        : string

/** One path-routed backend: projects at or below `prefix` are served by `upstream`. */
export interface Route {
  readonly prefix: string
  readonly upstream: string
}

type Nullable<K extends ConfigKey> = (typeof SCHEMA)[K]['default'] extends null ? null : never

export type Config = {
  readonly [K in ConfigKey]: ValueOf<K> | Nullable<K>
} & {
  /** The config file that was read, if any. */
  readonly configFile: string | null
  /** listen split into parts. */
  readonly listenHost: string
  readonly listenPort: number
}

export interface ConfigSources {
  /** Command-line values keyed by config key (e.g. { db: '/x.db', config: '/etc/gitward.toml' }). */
  flags: Readonly<Record<string, string | undefined>>
  env: Readonly<Record<string, string | undefined>>
  cwd: string
  readFile?: (path: string) => string
}

type Raw = { value: unknown; from: string }

export function parseHostPort(value: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(value)
  if (m === null) return null
  const host = m[1] ?? m[2] ?? ''
  const port = Number(m[3])
  if (port > 65535) return null
  if (m[1] !== undefined && isIP(host) !== 6) return null
  return { host, port }
}

/** Where a TOML syntax error is and what it is: "at line 3, column 10 (invalid value)". */
function tomlErrorPlace(e: unknown): string {
  const first = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? ''
  const what = first.replace(/^Invalid TOML document:\s*/, '')
  return e instanceof TomlError ? `at line ${e.line}, column ${e.column} (${what})` : `(${what})`
}

// The hint for a bad upstream names both forms, the socket one included.
const UPSTREAM_FORMS = 'must be an http:// or https:// URL, or unix: and an absolute socket path (unix:/run/git-http/socket)'

function coerce(type: KeyType, raw: Raw, cwd: string): { ok: true; value: unknown } | { ok: false; problem: string } {
  const { value } = raw
  const fromText = typeof value === 'string'
  switch (type.kind) {
    case 'string': {
      if (typeof value !== 'string') return { ok: false, problem: 'must be a string' }
      if (type.pattern !== undefined && !type.pattern.test(value)) {
        return { ok: false, problem: `must be ${type.hint ?? 'a valid value'}` }
      }
      const broken = type.check?.(value)
      if (broken !== undefined) return { ok: false, problem: `must be ${type.hint ?? 'a valid value'}: ${broken}` }
      return { ok: true, value }
    }
    case 'path': {
      if (typeof value !== 'string' || value === '') return { ok: false, problem: 'must be a non-empty path' }
      return { ok: true, value: isAbsolute(value) ? value : resolve(cwd, value) }
    }
    case 'routes': {
      // TOML: [[route]] tables; environment: "prefix=upstream,prefix=upstream".
      const entries: unknown[] | null = Array.isArray(value)
        ? value
        : fromText
          ? value
              .split(',')
              .map(s => s.trim())
              .filter(s => s !== '')
              .map(s => {
                const eq = s.indexOf('=')
                return eq < 0 ? { prefix: s } : { prefix: s.slice(0, eq), upstream: s.slice(eq + 1) }
              })
          : null
      const shape = 'must be [[route]] tables with prefix and upstream (in the environment: prefix=upstream,prefix=upstream)'
      if (entries === null) return { ok: false, problem: shape }
      const routes: Route[] = []
      for (const entry of entries) {
        if (typeof entry !== 'object' || entry === null) return { ok: false, problem: shape }
        const { prefix, upstream, ...rest } = entry as Record<string, unknown>
        if (Object.keys(rest).length > 0) return { ok: false, problem: `has a route with unknown keys (${Object.keys(rest).join(', ')}); a route has prefix and upstream` }
        if (typeof prefix !== 'string' || typeof upstream !== 'string') return { ok: false, problem: shape }
        const path = checkRepoPath(prefix)
        if (!path.ok) return { ok: false, problem: `has the route prefix "${prefix}", which is not a valid project path (${path.rule})` }
        const target = coerce({ kind: 'url' }, { value: upstream, from: raw.from }, cwd)
        if (!target.ok) return { ok: false, problem: `has a route for "${path.path}" whose upstream ${target.problem}` }
        if (routes.some(r => r.prefix === path.path)) return { ok: false, problem: `has two routes for "${path.path}"` }
        routes.push(Object.freeze({ prefix: path.path, upstream: target.value as string }))
      }
      return { ok: true, value: Object.freeze(routes) }
    }
    case 'database': {
      if (typeof value !== 'string' || value === '') return { ok: false, problem: 'must be a SQLite file path or a postgres:// connection string' }
      // A connection string is the driver's to read (and may hold a
      // password): kept exactly as given, never resolved as a path.
      if (/^postgres(ql)?:\/\//i.test(value)) return { ok: true, value }
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return { ok: false, problem: 'must be a SQLite file path or a postgres:// connection string' }
      return { ok: true, value: isAbsolute(value) ? value : resolve(cwd, value) }
    }
    case 'int': {
      const n = fromText ? (/^-?\d+$/.test(value.trim()) ? Number(value.trim()) : NaN) : value
      if (typeof n !== 'number' || !Number.isInteger(n)) return { ok: false, problem: 'must be a whole number' }
      if (n < type.min || n > type.max) return { ok: false, problem: `must be between ${type.min} and ${type.max}` }
      return { ok: true, value: n }
    }
    case 'bool': {
      if (typeof value === 'boolean') return { ok: true, value }
      if (fromText && /^(true|1|yes|on)$/i.test(value)) return { ok: true, value: true }
      if (fromText && /^(false|0|no|off)$/i.test(value)) return { ok: true, value: false }
      return { ok: false, problem: 'must be true or false' }
    }
    case 'list': {
      const items = Array.isArray(value)
        ? value
        : fromText
          ? value.split(',').map(s => s.trim()).filter(s => s !== '')
          : null
      if (items === null || !items.every(i => typeof i === 'string')) {
        return { ok: false, problem: 'must be a list of strings (comma-separated in the environment)' }
      }
      return { ok: true, value: Object.freeze([...items]) }
    }
    case 'enum': {
      if (typeof value !== 'string' || !type.values.includes(value)) {
        return { ok: false, problem: `must be one of ${type.values.join(', ')}` }
      }
      return { ok: true, value }
    }
    case 'url': {
      if (typeof value !== 'string') return { ok: false, problem: UPSTREAM_FORMS }
      // unix:/path — an upstream on a Unix socket, which file permissions can
      // keep other local users away from (a loopback port cannot).
      if (value.startsWith('unix:')) {
        const socket = value.slice('unix:'.length)
        return isAbsolute(socket) ? { ok: true, value: `unix:${socket}` } : { ok: false, problem: 'must name an absolute socket path after unix:' }
      }
      let u: URL
      try {
        u = new URL(value)
      } catch {
        return { ok: false, problem: UPSTREAM_FORMS }
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') return { ok: false, problem: UPSTREAM_FORMS }
      if (u.username !== '' || u.password !== '') return { ok: false, problem: 'must not contain credentials' }
      if (u.search !== '' || u.hash !== '') return { ok: false, problem: 'must not have a query or fragment' }
      return { ok: true, value: u.toString().replace(/\/$/, '') }
    }
    case 'hostport': {
      if (typeof value !== 'string' || parseHostPort(value) === null) {
        return { ok: false, problem: 'must be HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080' }
      }
      return { ok: true, value }
    }
    default:
      assertNever(type, 'key type')
  }
}

const isKey = (k: string): k is ConfigKey => (CONFIG_KEYS as string[]).includes(k)

export function loadConfig(sources: ConfigSources): Config {
  const read = sources.readFile ?? ((p: string) => readFileSync(p, 'utf8'))
  const problems: string[] = []
  const raw = new Map<ConfigKey, Raw>()

  // 1. The file, if one is named.
  const fileArg = sources.flags['config'] ?? sources.env['GITWARD_CONFIG']
  const configFile = fileArg === undefined || fileArg === '' ? null : resolve(sources.cwd, fileArg)
  if (configFile !== null) {
    let text: string | undefined
    try {
      text = read(configFile)
    } catch (e) {
      problems.push(`the config file ${configFile} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`)
    }
    if (text !== undefined) {
      try {
        const doc = parseToml(text)
        for (const [k, v] of Object.entries(doc)) {
          if (isKey(k)) raw.set(k, { value: v, from: configFile })
          else problems.push(`${k} (in ${configFile}) is not a known key`)
        }
      } catch (e) {
        problems.push(`the config file ${configFile} is not valid TOML ${tomlErrorPlace(e)}`)
      }
    }
  }

  // 2. GITWARD_* variables.
  for (const [name, value] of Object.entries(sources.env)) {
    if (!name.startsWith('GITWARD_') || name === 'GITWARD_CONFIG' || value === undefined) continue
    const key = name.slice('GITWARD_'.length).toLowerCase()
    if (isKey(key)) raw.set(key, { value, from: name })
    else problems.push(`${name} is not a known setting`)
  }

  // 3. Flags.
  for (const [key, value] of Object.entries(sources.flags)) {
    if (key === 'config' || value === undefined) continue
    if (isKey(key)) raw.set(key, { value, from: `--${key.replace(/_/g, '-')}` })
  }

  const out = Object.create(null) as Record<string, unknown>
  for (const key of CONFIG_KEYS) {
    const spec = SCHEMA[key]
    const given = raw.get(key)
    if (given === undefined) {
      const d = spec.default
      out[key] = d !== null && (spec.type.kind === 'path' || spec.type.kind === 'database') ? resolve(sources.cwd, d as string) : d
      continue
    }
    const r = coerce(spec.type, given, sources.cwd)
    if (r.ok) out[key] = r.value
    else problems.push(`${key} (from ${given.from}) ${r.problem}`)
  }

  // Cross-key rules.
  if ((out['route'] as readonly Route[] | undefined)?.length !== 0 && out['route'] !== undefined && out['upstream'] === null) {
    problems.push('route needs upstream too: routes pick among external backends, and upstream serves the paths no route matches')
  }
  if ((out['tls_cert'] === null) !== (out['tls_key'] === null)) {
    problems.push('tls_cert and tls_key must be given together')
  }
  // Addresses are stored the way client addresses are normalised, so that
  // `::ffff:10.0.0.1` in the file matches the peer `10.0.0.1`.
  for (const list of ['trusted_proxies', 'ban_allowlist', 'metrics_allow'] as const) {
    const given = out[list] as readonly string[] | undefined
    if (given === undefined) continue
    const canonical: string[] = []
    for (const entry of given) {
      const c = canonicalRange(entry)
      if (c === null) problems.push(`${list} contains "${entry}", which is not an IP address or CIDR range (e.g. 10.0.0.0/8)`)
      else canonical.push(c)
    }
    out[list] = Object.freeze(canonical)
  }

  if (problems.length > 0) {
    const n = problems.length
    throw new GitwardError(
      'INVALID_CONFIG',
      `The configuration has ${n} problem${n === 1 ? '' : 's'}: ${problems.join('; ')}.`,
    )
  }
  const hp = parseHostPort(out['listen'] as string)
  out['configFile'] = configFile
  out['listenHost'] = hp?.host
  out['listenPort'] = hp?.port
  return Object.freeze(out) as unknown as Config
}

export { envName }
