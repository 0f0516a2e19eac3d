// Headers that frame one connection, not the message: each side writes its
// own, so none is copied from git's reply or an upstream's answer to the
// client (RFC 9110 §7.6.1, plus the legacy proxy headers).
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
])
