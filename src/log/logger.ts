// JSON-lines logger. Every line passes through redaction (see redact.ts);
// there is no way to write a raw line.
import { makeStringRedactor, redactValue } from './redact.js'
import { tokenPattern } from '../auth/token-format.js'
import type { Clock } from '../clock.js'

export type Level = 'debug' | 'info' | 'warn' | 'error'
const LEVEL_RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 }

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
  /** Where finished lines go (one call per line, newline included). */
  write: (line: string) => void
  clock: Clock
  level?: Level
  /** Token prefixes in use; tokens with them are redacted wherever they appear. */
  tokenPrefixes?: readonly string[]
}

export function createLogger(options: LoggerOptions, base: Fields = {}): Logger {
  const min = LEVEL_RANK[options.level ?? 'info']
  const scrub = makeStringRedactor((options.tokenPrefixes ?? []).map(tokenPattern))
  const emit = (level: Level, msg: string, fields?: Fields): void => {
    if (LEVEL_RANK[level] < min) return
    const record = redactValue(
      { time: new Date(options.clock.now()).toISOString(), level, msg, ...base, ...fields },
      scrub,
    )
    options.write(JSON.stringify(record) + '\n')
  }
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: fields => createLogger(options, { ...base, ...fields }),
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
