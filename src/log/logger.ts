// JSON-lines logger on pino. One line per call:
//   {"level":"info","time":"2026-06-15T12:00:00.000Z",...fields,"msg":"..."}
// Every line passes through redaction (see redact.ts) twice: the fields and
// the message before pino sees them (secret-named keys dropped, every string
// scrubbed, errors turned into name/message/code/stack/cause, all scrubbed),
// and the finished line once more. There is no way to write a raw line: the
// pino instance never leaves this module.
import { pino, type Logger as PinoLogger } from 'pino'
import { makeLineRedactor, makeStringRedactor, redactValue, type StringRedactor } from './redact.js'
import type { Clock } from '../clock.js'
import { createIsoTime } from './iso-time.js'

export type Level = 'debug' | 'info' | 'warn' | 'error'
export const LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error']

export type Fields = Record<string, unknown>

export interface Logger {
  debug(msg: string, fields?: Fields): void
  info(msg: string, fields?: Fields): void
  warn(msg: string, fields?: Fields): void
  error(msg: string, fields?: Fields): void
  /** A logger that adds `fields` to every line. */
  child(fields: Fields): Logger
}

export interface LoggerOptions {
  /**
   * Where finished lines go, one synchronous call per line (newline
   * included), so a line is written before the call that logs it returns.
   */
  write: (line: string) => void
  clock: Clock
  level?: Level
  /**
   * Patterns of secrets to scrub wherever they appear (gitward passes the
   * pattern of its tokens, from auth/token-format.ts).
   */
  secretPatterns?: readonly RegExp[]
  /** No match of secretPatterns is shorter than this (0, the default: unknown). */
  secretMinLength?: number
}

export function createLogger(options: LoggerOptions): Logger {
  const patterns = options.secretPatterns ?? []
  const scrub = makeStringRedactor(patterns, options.secretMinLength ?? 0)
  const scrubLine = makeLineRedactor(patterns)
  const { clock } = options
  const isoTime = createIsoTime()
  const root = pino(
    {
      level: options.level ?? 'info',
      base: null,
      timestamp: () => `,"time":"${isoTime(clock.now())}"`,
      formatters: { level: label => ({ level: label }) },
      // Errors arrive here already turned into scrubbed plain objects.
      serializers: { err: (value: unknown) => value },
      hooks: { streamWrite: scrubLine },
    },
    { write: options.write },
  )
  return wrap(root, scrub, Object.create(null) as Fields)
}

const hasFields = (fields: Fields): boolean => {
  for (const _ in fields) return true
  return false
}

function wrap(root: PinoLogger, scrub: StringRedactor, base: Fields): Logger {
  const emit = (level: Level, msg: string, fields?: Fields): void => {
    if (!root.isLevelEnabled(level)) return
    // A root logger has no base fields: nothing to merge (redactValue copies anyway).
    const merged = fields === undefined ? base : hasFields(base) ? { ...base, ...fields } : fields
    root[level](redactValue(merged, scrub) as object, scrub(msg))
  }
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: fields => wrap(root, scrub, { ...base, ...fields }),
  }
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
}
