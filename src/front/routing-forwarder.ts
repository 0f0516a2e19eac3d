// Path-routed backends: one Forwarder per upstream, chosen per request by
// the project in the canonical URL (route-table.ts). Each upstream sees the
// Host chosen for it (its own URL's authority, or localhost for a socket),
// never another backend's and never the client's.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ForwardRequest, Forwarder } from './forwarder.js'
import { matchRoute, projectOfForwardUrl } from './route-table.js'

export interface RoutedBackend {
  /** Shown in /-/health: the route prefix, or "default". */
  name: string
  /** Where it is (for /-/health and logs): the upstream URL or unix:/socket. */
  upstream: string
  forwarder: Forwarder
  /** Host header this backend sees. */
  host: string
}

export interface RoutingForwarder extends Forwarder {
  /** Every backend, the default first. */
  readonly backends: readonly RoutedBackend[]
}

export function createRoutingForwarder(routes: ReadonlyArray<RoutedBackend & { prefix: string }>, fallback: RoutedBackend): RoutingForwarder {
  const prefixes = routes.map(r => r.prefix)
  const choose = (url: string): RoutedBackend => {
    const project = projectOfForwardUrl(url)
    const i = project === null ? -1 : matchRoute(prefixes, project)
    return routes[i] ?? fallback
  }
  return {
    backends: [fallback, ...routes],
    forward(req: IncomingMessage, res: ServerResponse, request: ForwardRequest): void {
      const backend = choose(request.url)
      backend.forwarder.forward(req, res, { ...request, headers: { ...request.headers, host: backend.host } })
    },
    async reachable(timeoutMs: number): Promise<boolean> {
      const answers = await Promise.all([fallback, ...routes].map(b => b.forwarder.reachable(timeoutMs)))
      return answers.every(Boolean)
    },
    close(): void {
      for (const b of [fallback, ...routes]) b.forwarder.close()
    },
  }
}
