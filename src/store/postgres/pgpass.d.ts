// The libpq password file reader pg itself uses (no types of its own).
declare module 'pgpass' {
  interface ConnectionInfo {
    host?: string
    port?: number | string
    database?: string
    user?: string
  }
  function pgpass(info: ConnectionInfo, callback: (password: string | undefined) => void): void
  export default pgpass
}
