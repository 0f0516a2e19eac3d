// Hands an authorized request straight to the embedded backend's handler in
// this process: no socket, no second HTTP parse, no extra copy of the pack.
// Nothing listens, so there is nothing to bypass the gate through. The
// request the backend sees is exactly what the gate rebuilt: the canonical
// URL and the allow-listed headers, never the client's own.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { EmbeddedBackend } from '../backend/embedded-backend.js'
import type { Forwarder, ForwardRequest } from './forwarder.js'

export function createInProcessForwarder(backend: Pick<EmbeddedBackend, 'handler'>): Forwarder {
  let closed = false
  return {
    forward(req: IncomingMessage, res: ServerResponse, request: ForwardRequest): void {
      req.url = request.url
      req.headers = request.headers as IncomingMessage['headers']
      backend.handler(req, res, request.body)
    },
    reachable: async () => !closed,
    close: () => {
      closed = true
    },
  }
}
