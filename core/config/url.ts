// Host URLs in configs (`output.elasticsearch.hosts`) and the credentials in
// them.
//
// checkHttpUrl() validates fully at --check-config time what the
// Elasticsearch client would otherwise reject only at start-up with a raw
// TypeError: scheme http or https, a host, a numeric port 1-65535, nothing
// the WHATWG URL parser refuses. Its messages, like every message that
// prints a URL, show the password as `***` (redactUrls).

import { portProblem } from '../net/port.ts'

const REDACTED = '***'

/**
 * `user:secret@host` → `user:***@host` (a userinfo without `:` is all
 * secret: `token@host` → `***@host`). The userinfo is everything before the
 * last `@` of the authority, so a password holding `@` is hidden whole.
 */
function redactAuthority(authority: string): string {
  const at = authority.lastIndexOf('@')
  if (at < 0) return authority
  const userinfo = authority.slice(0, at)
  const colon = userinfo.indexOf(':')
  return (colon < 0 ? REDACTED : `${userinfo.slice(0, colon)}:${REDACTED}`) + authority.slice(at)
}

// scheme://authority — the authority ends at / ? # whitespace or a quote
const urlInText = /([a-z][a-z0-9+.-]*:\/\/)([^\s/?#"'<>`]*)/gi

/** `text` with the password of every `scheme://user:password@…` in it replaced by `***`. */
export function redactUrls(text: string): string {
  if (!text.includes('@')) return text
  return text.replace(urlInText, (_m, scheme: string, authority: string) => scheme + redactAuthority(authority))
}

/** One configured address, with or without a scheme (`user:pw@host:5044` too), its password as `***`. */
export function redactAddress(value: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)?([^/?#]*)(.*)$/is.exec(value)
  if (!m) return value
  return (m[1] ?? '') + redactAuthority(m[2]!) + redactUrls(m[3]!)
}

/**
 * Why `value` is not a usable http(s) URL, or undefined. Messages name the
 * value with its password as `***`. Credentials in the URL are accepted (the
 * Elasticsearch client sends them as basic auth).
 */
export function checkHttpUrl(value: string): string | undefined {
  const shown = JSON.stringify(redactAddress(value))
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/is.exec(value)
  if (!m) return `must be an http:// or https:// URL, got ${shown}`
  const scheme = m[1]!.toLowerCase()
  if (scheme !== 'http' && scheme !== 'https') return `scheme must be http or https, got ${JSON.stringify(m[1]! + '://')} in ${shown}`
  const authority = m[2]!
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1)
  const hp = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/s.exec(hostPort)!
  if (hp[1] === '' || hp[1] === '[]') return `has no host: ${shown}`
  if (hp[2] !== undefined) {
    const problem = portProblem(hp[2])
    if (problem !== undefined) return `${problem} in ${shown}`
  }
  if (/\s/.test(value)) return `must not contain white space: ${shown}`
  try {
    new URL(value)
  } catch {
    return `is not a valid URL: ${shown}`
  }
  return undefined
}
