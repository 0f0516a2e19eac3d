// GitLab's offset pagination: page and per_page in, one page of a list and
// the headers clients follow out (X-Total, X-Total-Pages, X-Page,
// X-Per-Page, X-Next-Page, X-Prev-Page and Link). Pure.
export const DEFAULT_PER_PAGE = 20
export const MAX_PER_PAGE = 100

export interface PageRequest {
  page: number
  perPage: number
}

/** GitLab's leniency: a page below 1 is 1, per_page below 1 is the default, above the maximum the maximum. */
export function pageRequest(page: number | undefined, perPage: number | undefined): PageRequest {
  return {
    page: page === undefined || page < 1 ? 1 : page,
    perPage: perPage === undefined || perPage < 1 ? DEFAULT_PER_PAGE : Math.min(perPage, MAX_PER_PAGE),
  }
}

export interface Page<T> {
  items: T[]
  headers: Record<string, string>
}

/**
 * One page of `all`, with the headers. `url` is the request's own absolute
 * URL; Link repeats its query with page (and per_page) replaced.
 */
export function paginate<T>(all: readonly T[], request: PageRequest, url: URL): Page<T> {
  const { page, perPage } = request
  const total = all.length
  const totalPages = Math.max(1, Math.ceil(total / perPage))
  const items = all.slice((page - 1) * perPage, page * perPage)
  const next = page < totalPages ? page + 1 : null
  const prev = page > 1 ? Math.min(page - 1, totalPages) : null
  const link = (p: number): string => {
    const u = new URL(url.href)
    u.searchParams.set('page', String(p))
    u.searchParams.set('per_page', String(perPage))
    return u.href
  }
  const links = [
    ...(prev === null ? [] : [`<${link(prev)}>; rel="prev"`]),
    ...(next === null ? [] : [`<${link(next)}>; rel="next"`]),
    `<${link(1)}>; rel="first"`,
    `<${link(totalPages)}>; rel="last"`,
  ]
  return {
    items,
    headers: {
      'X-Total': String(total),
      'X-Total-Pages': String(totalPages),
      'X-Page': String(page),
      'X-Per-Page': String(perPage),
      'X-Next-Page': next === null ? '' : String(next),
      'X-Prev-Page': prev === null ? '' : String(prev),
      Link: links.join(', '),
    },
  }
}
