// Groups have no row in gitward (a group is a path prefix), but GitLab's
// clients read a group's `id` as an integer and then use it in the next URL
// (python-gitlab: GET /groups/acme, then /groups/<id>/access_tokens). A
// group's number is therefore derived from its path: stable across restarts
// and instances, the same for every engine, nothing stored.
//
// 31 bits, so clients that parse ids as 32-bit integers read it too. Two
// known groups whose numbers collide are both refused by number (never the
// wrong group); their paths still work.
import { createHash } from 'node:crypto'

export function groupNumber(path: string): number {
  const n = createHash('sha256').update(`group:${path}`).digest().readUInt32BE(0) & 0x7fffffff
  // 0 is not a valid GitLab id.
  return n === 0 ? 1 : n
}
