export const VISIBILITIES = ['private', 'public'] as const
export type Visibility = (typeof VISIBILITIES)[number]
export const isVisibility = (value: string): value is Visibility =>
  (VISIBILITIES as readonly string[]).includes(value)
