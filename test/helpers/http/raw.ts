// A raw-socket HTTP/1.1 client for attack tests. Node's own client (and git)
// refuse to send the framings an attacker would use — two Content-Length
// headers, CL plus TE, obs-fold, bare LF, unnormalised paths — so these tests
// write bytes to a socket on 127.0.0.1 and parse whatever comes back,
// response by response, to see whether a smuggled second request got an
// answer of its own.
import { connect, type Socket } from 'node:net'

export interface RawResponse {
  status: number
  statusLine: string
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>
  body: string
}

export interface RawResult {
  /** Final responses in order (interim 1xx responses are in `interim`). */
  responses: RawResponse[]
  interim: RawResponse[]
  /** True when the server closed the connection. */
  closedByServer: boolean
  raw: Buffer
}

export interface RawOptions {
  /** Stop once this many final responses have arrived plus `graceMs` of quiet (default 1). */
  expectResponses?: number
  /** Quiet time after the expected responses, to catch an extra (smuggled) answer. */
  graceMs?: number
  /** Give up waiting after this long (bounded; default 10 s). */
  timeoutMs?: number
  /** Pause between chunks (lets the server parse each piece separately). */
  chunkDelayMs?: number
  /** Leave the socket open after writing (half-close is the default off). */
  endAfterWrite?: boolean
}

const CRLF2 = Buffer.from('\r\n\r\n')

/** Parse as many complete responses as `buf` holds; `closed` ends a close-delimited body. */
export function parseResponses(buf: Buffer, closed: boolean): { finals: RawResponse[]; interim: RawResponse[] } {
  const finals: RawResponse[] = []
  const interim: RawResponse[] = []
  let at = 0
  while (at < buf.length) {
    const headEnd = buf.indexOf(CRLF2, at)
    if (headEnd === -1) break
    const lines = buf.subarray(at, headEnd).toString('latin1').split('\r\n')
    const statusLine = lines[0] ?? ''
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0)
    const headers: Record<string, string> = {}
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':')
      if (colon === -1) continue
      const name = line.slice(0, colon).trim().toLowerCase()
      const value = line.slice(colon + 1).trim()
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`
    }
    let bodyStart = headEnd + 4
    if (status >= 100 && status < 200) {
      interim.push({ status, statusLine, headers, body: '' })
      at = bodyStart
      continue
    }
    let body: Buffer
    if (headers['transfer-encoding']?.toLowerCase().includes('chunked')) {
      const parts: Buffer[] = []
      let p = bodyStart
      let complete = false
      for (;;) {
        const lineEnd = buf.indexOf('\r\n', p)
        if (lineEnd === -1) break
        const size = parseInt(buf.subarray(p, lineEnd).toString('latin1'), 16)
        if (Number.isNaN(size)) break
        if (size === 0) {
          const trailerEnd = buf.indexOf('\r\n', lineEnd + 2)
          if (trailerEnd === -1) break
          p = trailerEnd + 2
          complete = true
          break
        }
        if (lineEnd + 2 + size + 2 > buf.length) break
        parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size))
        p = lineEnd + 2 + size + 2
      }
      if (!complete) {
        if (closed) finals.push({ status, statusLine, headers, body: Buffer.concat(parts).toString('utf8') })
        break
      }
      body = Buffer.concat(parts)
      bodyStart = p
      at = p
    } else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length'])
      if (bodyStart + length > buf.length) {
        if (closed) finals.push({ status, statusLine, headers, body: buf.subarray(bodyStart).toString('utf8') })
        break
      }
      body = buf.subarray(bodyStart, bodyStart + length)
      at = bodyStart + length
    } else if (status === 204 || status === 304) {
      body = Buffer.alloc(0)
      at = bodyStart
    } else {
      // Close-delimited: complete only when the server has closed.
      if (!closed) break
      body = buf.subarray(bodyStart)
      at = buf.length
    }
    finals.push({ status, statusLine, headers, body: body.toString('utf8') })
  }
  return { finals, interim }
}

/** Send `chunks` over one connection and collect the answers. */
export function rawExchange(port: number, chunks: ReadonlyArray<string | Buffer>, options: RawOptions = {}): Promise<RawResult> {
  const expect = options.expectResponses ?? 1
  const graceMs = options.graceMs ?? 300
  const timeoutMs = options.timeoutMs ?? 10_000
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1')
    const received: Buffer[] = []
    let closed = false
    let done = false
    let grace: NodeJS.Timeout | null = null
    const finish = (): void => {
      if (done) return
      done = true
      clearTimeout(overall)
      if (grace !== null) clearTimeout(grace)
      socket.destroy()
      const raw = Buffer.concat(received)
      const { finals, interim } = parseResponses(raw, closed)
      resolve({ responses: finals, interim, closedByServer: closed, raw })
    }
    const overall = setTimeout(finish, timeoutMs)
    socket.on('data', (c: Buffer) => {
      received.push(c)
      const { finals } = parseResponses(Buffer.concat(received), false)
      if (finals.length >= expect) {
        if (grace !== null) clearTimeout(grace)
        grace = setTimeout(finish, graceMs)
      }
    })
    socket.on('end', () => {
      closed = true
      finish()
    })
    socket.on('close', () => {
      closed = true
      finish()
    })
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A reset after the server answered is the server closing on us.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') {
        closed = true
        finish()
      } else if (!done) {
        done = true
        clearTimeout(overall)
        reject(error)
      }
    })
    const writeAll = async (): Promise<void> => {
      for (const chunk of chunks) {
        if (socket.destroyed) break
        socket.write(chunk)
        if (options.chunkDelayMs !== undefined) await new Promise(r => setTimeout(r, options.chunkDelayMs))
      }
      if (options.endAfterWrite === true) socket.end()
    }
    socket.once('connect', () => void writeAll())
  })
}

/** One request as bytes; the first response (status 0 when none came). */
export async function rawRequest(port: number, bytes: string | Buffer, options: RawOptions = {}): Promise<RawResponse & { result: RawResult }> {
  const result = await rawExchange(port, [bytes], options)
  const first = result.responses[0] ?? { status: 0, statusLine: '', headers: {}, body: '' }
  return { ...first, result }
}

/** Build request bytes from lines: `head` lines joined with CRLF, a blank line, then `body`. */
export function httpBytes(head: readonly string[], body: string | Buffer = '', eol = '\r\n'): Buffer {
  return Buffer.concat([Buffer.from(head.join(eol) + eol + eol, 'latin1'), typeof body === 'string' ? Buffer.from(body, 'latin1') : body])
}

export interface ContinueResult {
  /** True when the server sent `100 Continue` (and so the body was sent). */
  continued: boolean
  response: RawResponse | undefined
  closedByServer: boolean
}

/**
 * Send a request with `Expect: 100-continue` the way curl does: the head
 * first, the body only after `100 Continue`. When the server answers with a
 * final status instead, the body is never sent.
 */
export function rawExpectContinue(port: number, head: Buffer, body: Buffer, timeoutMs = 10_000): Promise<ContinueResult> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const received: Buffer[] = []
    let continued = false
    let closed = false
    let done = false
    const finish = (): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      const { finals } = parseResponses(Buffer.concat(received), closed)
      resolve({ continued, response: finals[0], closedByServer: closed })
    }
    const timer = setTimeout(finish, timeoutMs)
    socket.on('data', (c: Buffer) => {
      received.push(c)
      const all = Buffer.concat(received)
      const { finals, interim } = parseResponses(all, false)
      if (!continued && interim.some(r => r.status === 100) && finals.length === 0) {
        continued = true
        socket.write(body)
      }
      if (finals.length > 0) setTimeout(finish, 50)
    })
    socket.on('close', () => {
      closed = true
      finish()
    })
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') {
        closed = true
        finish()
      } else if (!done) {
        done = true
        clearTimeout(timer)
        reject(error)
      }
    })
    socket.once('connect', () => socket.write(head))
  })
}
