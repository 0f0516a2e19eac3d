// How the minimum transfer rate (src/limits/transfer-floor.ts) sees one
// HTTP exchange. The counters are the connection's own; "waiting on the
// client" is read from the streams' state, not guessed from silence:
//
// - response: bytes are queued that the kernel has not taken, so the
//   client's receive window is full — it reads slower than git writes;
// - request body: the body is flowing (nothing on gitward's side holds it
//   back: the pipe to git or the upstream is not paused) and nothing is
//   buffered, so the next byte can only come from the client.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TransferProbe } from '../limits/transfer-floor.js'

export function httpTransferProbe(req: IncomingMessage, res: ServerResponse): TransferProbe {
  const socket = req.socket
  return () => ({
    upload: {
      bytes: socket.bytesRead,
      waitingOnClient: !req.complete && req.readableFlowing === true && req.readableLength === 0,
    },
    download: {
      bytes: socket.bytesWritten,
      waitingOnClient: res.headersSent && !res.writableFinished && socket.writableLength > 0,
    },
  })
}
