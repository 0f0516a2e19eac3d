// The body of a negotiation request (upload-pack, upload-archive) as the
// upstream receives it: counted, timed and, when git sent it gzip-compressed,
// inflated here first.
//
// Why inflate in gitward: the size limit must count what git will read, not
// what crossed the wire. A few kilobytes of gzip can hold megabytes of
// `have` lines, and git inflates without bound — a small request that keeps a
// git process busy for minutes. So gitward inflates with a zlib stream that
// respects backpressure, counts the inflated bytes against
// max_negotiation_bytes, and forwards the plain body (no Content-Encoding,
// chunked framing). Push bodies never come here: they are packs, streamed
// untouched.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'
import zlib from 'node:zlib'
import { limitBody } from './body-limit.js'

export type NegotiationRefusal = 'size' | 'time' | 'gzip'

export interface NegotiationBodyOptions {
  /** Largest inflated body (max_negotiation_bytes). */
  limit: number
  /** Time the whole body may take to arrive (negotiation_timeout_ms). */
  timeoutMs: number
  /** True when the body is gzip-compressed. */
  gzip: boolean
  /** Called once, when the body is refused; the returned stream then errors. */
  onRefused: (why: NegotiationRefusal) => void
}

/** The request body, counted (and inflated when gzip): what goes upstream instead of `req`. */
export function negotiationBody(req: Readable, o: NegotiationBodyOptions): Readable {
  let refused = false
  const refuse = (why: NegotiationRefusal): void => {
    if (refused) return
    refused = true
    o.onRefused(why)
  }
  const counted = limitBody(o.limit, o.timeoutMs, refuse)
  counted.on('error', () => {})
  if (!o.gzip) {
    req.on('error', () => counted.destroy())
    req.pipe(counted)
    return counted
  }
  const inflate = zlib.createGunzip()
  inflate.on('error', () => {
    // Not gzip after all, or truncated: git could not read it either.
    refuse('gzip')
    counted.destroy(new Error('the request body is not valid gzip'))
  })
  req.on('error', () => inflate.destroy())
  // Once the body is refused (or abandoned), stop inflating: the rest of
  // the request is never read.
  counted.once('close', () => {
    req.unpipe(inflate)
    inflate.destroy()
  })
  req.pipe(inflate).pipe(counted)
  return counted
}

/**
 * The upstream headers for a body gitward inflated: the encoding is gone and
 * the length unknown until the end, so the body goes chunked (git
 * http-backend then reads to the end of the stream).
 */
export function plainBodyHeaders(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = Object.assign(Object.create(null) as OutgoingHttpHeaders, headers)
  delete out['content-encoding']
  delete out['content-length']
  out['transfer-encoding'] = 'chunked'
  return out
}

/** The Content-Length the client declared, or 0. */
export const declaredLength = (headers: IncomingHttpHeaders): number => Number(headers['content-length'] ?? '0')
