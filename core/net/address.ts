import { isIPv6 } from 'node:net'
import { redactAddress } from '../config/url.ts'
import { portProblem } from './port.ts'

// host:port, the one grammar of every address in a config, whether a program
// listens on it (inputs.beats.listen, inputs.collectd.listen, http.listen) or
// connects to it (the forwarder's output.hosts):
//
//   host:port     a name (letters, digits, '.', '-', '_') or an IPv4 address
//   [v6]:port     an IPv6 address in brackets: [::1]:5044, [::]:25826
//   host, [v6]    connect only, when the caller has a default port (5044)
//   :port, port   listen only: the caller's default host
//
// The port is 1-65535; a listen address may say 0 (any free port). No scheme,
// no user:password@, no path; white space around the value is ignored. An
// error names the value (any password in it as ***) and what is wrong.

export interface Address {
  host: string
  port: number
}

interface Rules {
  /** Names the value in errors: "listen address", "host". */
  what: string
  minPort: 0 | 1
  defaultHost?: string
  defaultPort?: number
}

const HOST_NAME = /^[\p{L}\p{N}_.-]+$/u

function parseAddress(text: string, r: Rules): Address {
  const fail = (why: string): RangeError => new RangeError(`${r.what} must be host:port, got ${JSON.stringify(redactAddress(text))}: ${why}`)
  const t = text.trim()
  if (t === '') throw fail('it is empty')
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(t)
  if (scheme) throw fail(`no scheme here (drop "${scheme[1]}://")`)
  if (t.includes('@')) throw fail('no user or password here')
  if (/[\s/?#]/.test(t)) throw fail('no spaces, "/", "?" or "#"')
  let host: string
  let port: string | undefined
  if (t.startsWith('[')) {
    const close = t.indexOf(']')
    if (close < 0) throw fail('"[" without "]"')
    host = t.slice(1, close)
    const rest = t.slice(close + 1)
    if (rest !== '' && !rest.startsWith(':')) throw fail(`${JSON.stringify(rest)} after "]"; write [v6]:port`)
    if (!isIPv6(host)) throw fail(`brackets hold an IPv6 address, got ${JSON.stringify(host)}`)
    port = rest === '' ? undefined : rest.slice(1)
  } else {
    const colon = t.indexOf(':')
    if (colon >= 0 && t.includes(':', colon + 1)) throw fail(`an IPv6 address goes in brackets, e.g. [::1]:${r.defaultPort ?? 5044}`)
    if (colon < 0 && r.defaultHost !== undefined && /^\d+$/.test(t)) {
      host = ''
      port = t
    } else {
      host = colon < 0 ? t : t.slice(0, colon)
      port = colon < 0 ? undefined : t.slice(colon + 1)
    }
    if (host === '') {
      if (r.defaultHost === undefined) throw fail('the host is missing')
      host = r.defaultHost
    } else if (!HOST_NAME.test(host)) {
      throw fail(`${JSON.stringify(host)} is not a host name or an address`)
    } else if (/^\d+$/.test(host)) {
      throw fail(`${JSON.stringify(host)} is a number, not a host name or an address`)
    }
  }
  if (port === undefined) {
    if (r.defaultPort === undefined) throw fail('the port is missing')
    return { host, port: r.defaultPort }
  }
  const problem = portProblem(port, r.minPort)
  if (problem !== undefined) throw fail(r.minPort === 0 && /^\d+$/.test(port) ? `${problem} (0: any free port)` : problem)
  return { host, port: Number(port) }
}

/** Where to listen: `host:port`, `[v6]:port`, `:port` or `port` (→ defaultHost); port 0 = any free port. Throws RangeError. */
export function parseListenAddress(text: string, defaultHost = '0.0.0.0'): Address {
  return parseAddress(text, { what: 'listen address', minPort: 0, defaultHost })
}

/** Where to connect: `host:port`, `[v6]:port`, or a bare host/[v6] with defaultPort when given. Throws RangeError. */
export function parseConnectAddress(text: string, defaultPort?: number): Address {
  return parseAddress(text, { what: 'host', minPort: 1, defaultPort })
}

function problemOf(parse: () => unknown): string | undefined {
  try {
    parse()
    return undefined
  } catch (err) {
    return (err as Error).message
  }
}

/** Spec.check for a listen address: the parse error, or nothing. */
export function checkListenAddress(value: string): string | undefined {
  return problemOf(() => parseListenAddress(value))
}

/** Spec.check for an address to connect to (a bare host takes defaultPort, when given). */
export function connectAddressCheck(defaultPort?: number): (value: string) => string | undefined {
  return (value) => problemOf(() => parseConnectAddress(value, defaultPort))
}

/** `host:port`, with an IPv6 host in brackets. */
export function formatAddress(a: Address): string {
  return `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`
}
