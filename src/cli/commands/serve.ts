// `gitward serve`: load the config, start the app, print where it listens and
// what to do next, then run until SIGTERM/SIGINT (graceful stop, exit 0).
// SIGHUP reloads the TLS certificate and key.
//
// Everything it needs comes through the CliContext like every other
// command: the configuration (ctx.config), the clock, the random source, the
// store opener and the signals (ctx.deps).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import { CLI_BUSY_TIMEOUT_MS, type CliContext, type CommandRegistrar } from '../context.js'
import { GitwardError } from '../../errors.js'
import { initialize } from '../initialize.js'
import type { Config } from '../../config/load.js'
import { createLogger, type Logger } from '../../log/logger.js'
import { createLineBatcher } from '../../log/line-batcher.js'
import { startApp, type App } from '../../app.js'
import { isPostgresUrl } from '../../store/open-store.js'
import { describeServer } from '../../store/postgres/url.js'
import { TOKEN_PATTERN_MIN_LENGTH, tokenPatterns } from '../../auth/token-format.js'

/**
 * How long after listening start-up's free memory is released: by then V8
 * has finished the optimized code it started compiling during start-up
 * (checked one second after start on 48 fresh processes: 58.1–59.0 MiB
 * resident at 250 ms, against one in six still about 3.5 MiB higher when
 * released at once).
 */
const RELEASE_AFTER_START_MS = 250

export interface ServeOptions {
  /** --init: create the database and the repositories root first. */
  init: boolean
  /** Called once the server listens (tests use it to learn the port). */
  onListening?: (app: App) => void
}

function nextSteps(config: Config, url: string, cwd: string): string {
  // From a source checkout the command is ./bin/gitward; once installed, gitward.
  const bin = existsSync(join(cwd, 'bin', 'gitward')) ? './bin/gitward' : 'gitward'
  return [
    `gitward is listening on ${url}`,
    config.upstream === null
      ? `  embedded git backend, repositories in ${config.repos}`
      : `  forwarding to ${config.upstream}`,
    // A connection string may hold a password: shown without it.
    `  database ${isPostgresUrl(config.db) ? describeServer(config.db) : config.db}`,
    '',
    'Next, in another terminal (from this directory, or with the same --db/--repos):',
    `  ${bin} repo create demo/hello`,
    `  TOKEN=$(${bin} token create --project demo/hello --name laptop --scopes read_repository,write_repository)`,
    `  git -c http.extraHeader="Authorization: Bearer $TOKEN" clone ${url}/demo/hello.git`,
    '(or plain `git clone`: any username, the token as password, kept by your credential helper)',
    'Stop with Ctrl-C.',
    '',
  ].join('\n')
}

export async function serve(ctx: CliContext, config: Config, options: ServeOptions): Promise<number> {
  const { io, deps } = ctx
  // One write per turn of the event loop, not one per line (docs/performance.md).
  const lines = createLineBatcher(s => io.stdout(s))
  const logger: Logger = createLogger({
    write: s => lines.write(s),
    clock: deps.clock,
    level: config.log_level as 'debug' | 'info' | 'warn' | 'error',
    secretPatterns: tokenPatterns(config.token_prefix),
    secretMinLength: TOKEN_PATTERN_MIN_LENGTH,
  })

  if (options.init) {
    await initialize({
      db: config.db,
      repos: config.upstream === null ? config.repos : null,
      clock: deps.clock,
      logger,
      openStore: deps.openStore,
      busyTimeoutMs: CLI_BUSY_TIMEOUT_MS,
    })
  }

  const app = await startApp({ config, clock: deps.clock, random: deps.random, logger }).catch((error: unknown) => {
    lines.flush()
    throw error
  })
  io.stderr(nextSteps(config, app.url, io.cwd))
  logger.info('listening', {
    url: app.url,
    upstream: config.upstream ?? 'embedded',
    ...(app.metricsUrl === null ? {} : { metrics: `${app.metricsUrl}/-/metrics` }),
  })
  options.onListening?.(app)
  // Start-up is over: what it freed in the C heap goes back to the kernel
  // instead of staying resident for as long as the server runs. A moment
  // later, not at once: V8 is still finishing the optimized code of
  // start-up's hot functions on its worker thread, and frees that memory too.
  const release = setTimeout(() => {
    const released = deps.releaseFreeMemory()
    logger.debug('start-up memory released', released.kind === 'unavailable' ? { result: released.kind, reason: released.reason } : { result: released.kind })
  }, RELEASE_AFTER_START_MS).unref()

  return new Promise<number>(resolve => {
    const stop = (): void => {
      clearTimeout(release)
      deps.signals.off('SIGTERM', stop)
      deps.signals.off('SIGINT', stop)
      deps.signals.off('SIGHUP', reload)
      logger.info('stopping: letting in-flight requests finish', { graceMs: config.shutdown_grace_ms })
      app.stop().then(
        () => {
          logger.info('stopped')
          lines.flush()
          resolve(0)
        },
        (error: unknown) => {
          logger.error('error while stopping', { error })
          lines.flush()
          resolve(1)
        },
      )
    }
    const reload = (): void => {
      app.reloadTls().then(
        () => logger.info('TLS certificate reloaded'),
        (error: unknown) => logger.error('TLS certificate reload failed; keeping the old one', { error }),
      )
    }
    deps.signals.on('SIGTERM', stop)
    deps.signals.on('SIGINT', stop)
    deps.signals.on('SIGHUP', reload)
  })
}

/** Adds `gitward serve`; --db, --repos and --config are the program's global options. */
export const registerServeCommand: CommandRegistrar = (program, ctx) => {
  program
    .command('serve')
    .description('Run the gate: authenticate git over HTTP(S) and forward allowed requests to git http-backend.')
    .option('--listen <host:port>', 'address to listen on (default 127.0.0.1:8080)')
    .option('--upstream <url>', 'forward to this git-http-backend web server (http://HOST:PORT or unix:/path/to/socket) instead of the embedded backend')
    .option('--tls-cert <file>', 'PEM certificate chain (with --tls-key: serve HTTPS)')
    .option('--tls-key <file>', 'PEM private key')
    .option('--init', 'create the database and repositories directory if missing')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ gitward serve --init\n' +
        '  $ gitward --db /var/lib/gitward/gitward.db --repos /var/lib/gitward/repositories serve --listen 0.0.0.0:443 \\\n' +
        '      --tls-cert /etc/gitward/cert.pem --tls-key /etc/gitward/key.pem\n' +
        '  $ gitward serve --upstream http://127.0.0.1:8081\n' +
        '\nSignals: SIGTERM/SIGINT stop gracefully (exit 0); SIGHUP reloads the TLS certificate and key.\n',
    )
    .action(async (opts: { listen?: string; upstream?: string; tlsCert?: string; tlsKey?: string; init?: boolean }, command: Command) => {
      const config = ctx.config(command, { listen: opts.listen, upstream: opts.upstream, tls_cert: opts.tlsCert, tls_key: opts.tlsKey })
      const code = await serve(ctx, config, { init: opts.init === true })
      if (code !== 0) throw new GitwardError('UPSTREAM_FAILED', 'gitward did not stop cleanly; see the log above.')
    })
}
