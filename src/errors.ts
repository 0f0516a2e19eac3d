// One registry of every error gitward raises on purpose. Each code carries the
// HTTP status the front layer answers with (when it reaches a request) and the
// exit code the CLI returns (when it reaches a command). Messages are single
// plain sentences that say what was wrong and how to fix it; none ever
// contains a token.

export const ERROR_CODES = {
  // Input an administrator or a config file got wrong.
  INVALID_PATH: { status: 400, exit: 1 },
  INVALID_ARGUMENT: { status: 400, exit: 1 },
  INVALID_CONFIG: { status: 500, exit: 1 },
  NOT_FOUND: { status: 404, exit: 1 },
  ALREADY_EXISTS: { status: 409, exit: 1 },
  CREATION_DISABLED: { status: 403, exit: 1 },
  // A caller of the HTTP API whose token lacks a scope, a role or a reach.
  FORBIDDEN: { status: 403, exit: 1 },
  // A caller of the HTTP API whose token stopped being good mid-request.
  UNAUTHENTICATED: { status: 401, exit: 1 },
  // The environment: files, the database, the backend.
  DB_UNAVAILABLE: { status: 503, exit: 3 },
  DB_BUSY: { status: 503, exit: 3 },
  REPOSITORY_ERROR: { status: 500, exit: 3 },
  UPSTREAM_FAILED: { status: 502, exit: 3 },
  OVERLOADED: { status: 503, exit: 3 },
  LISTEN_FAILED: { status: 500, exit: 3 },
} as const satisfies Record<string, { status: number; exit: number }>

export type ErrorCode = keyof typeof ERROR_CODES

export class GitwardError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly exitCode: number

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'GitwardError'
    this.code = code
    this.status = ERROR_CODES[code].status
    this.exitCode = ERROR_CODES[code].exit
  }
}

export const isGitwardError = (e: unknown): e is GitwardError =>
  e instanceof GitwardError
