// Waiting for a daemon a test started: its port accepts connections, or a
// file it makes (a Unix socket) appears, unless the daemon dies first.
import { connect } from 'node:net'
import { waitUntil } from './wait-until.js'

const portOpen = (port: number): Promise<boolean> =>
  new Promise<boolean>(resolve => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => {
      socket.destroy()
      resolve(false)
    })
  })

/** True when `port` accepts a TCP connection; false if `alive()` turns false or time runs out. */
export async function waitForPort(port: number, alive: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  let open = false
  await waitUntil(async () => !alive() || (open = await portOpen(port)), timeoutMs, 50)
  return open && alive()
}

/** True when `exists()` holds (e.g. a Unix socket file appeared); false on timeout or death. */
export async function waitForFile(exists: () => boolean, alive: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  await waitUntil(() => exists() || !alive(), timeoutMs)
  return exists()
}
