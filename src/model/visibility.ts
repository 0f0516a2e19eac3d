// Who may read without a token: a project is private (tokens only) or public
// (anyone may pull; pushing always needs a token).
export const VISIBILITIES = ['private', 'public'] as const
export type Visibility = (typeof VISIBILITIES)[number]
export const isVisibility = (value: string): value is Visibility =>
  (VISIBILITIES as readonly string[]).includes(value)
