import { createHash } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { ConfigError } from '../../../core/errors.ts'

// collectd's AuthFile (utils_fbhash.c): one `user: password` per line. Leading
// whitespace is skipped, the user is everything up to the first `:` (trailing
// spaces included, as collectd does), whitespace after the colon is skipped and
// the rest of the line is the password. `#` lines, blank lines, lines without a
// colon or without a password are ignored. Unlike Logstash, `user:password`
// without a space is accepted, as collectd accepts it.

export interface Credentials {
  /** HMAC key for signed datagrams: the password bytes. */
  password: Buffer
  /** AES-256 key for encrypted datagrams: SHA-256(password). */
  aesKey: Buffer
}

export interface CredentialLookup {
  lookup(user: string): Credentials | undefined
}

export function parseAuthFile(text: string): Map<string, Credentials> {
  const out = new Map<string, Credentials>()
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').replace(/^[ \t]+/, '')
    if (line === '' || line.startsWith('#')) continue
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const user = line.slice(0, colon)
    const secret = line.slice(colon + 1).replace(/^[ \t]+/, '')
    if (secret === '') continue
    out.set(user, credentials(secret))
  }
  return out
}

export function credentials(secret: string): Credentials {
  const password = Buffer.from(secret, 'utf8')
  return { password, aesKey: createHash('sha256').update(password).digest() }
}

/** An AuthFile on disk, re-read when its mtime changes (checked at most once per `recheckMs`). */
export class AuthFile implements CredentialLookup {
  readonly #path: string
  readonly #recheckMs: number
  #entries: Map<string, Credentials>
  #mtimeMs: number
  #checkedAt: number

  constructor(path: string, recheckMs = 1000) {
    this.#path = path
    this.#recheckMs = recheckMs
    try {
      this.#mtimeMs = statSync(path).mtimeMs
      this.#entries = parseAuthFile(readFileSync(path, 'utf8'))
    } catch (err) {
      throw new ConfigError('inputs.collectd.auth_file', `cannot read ${path}: ${(err as Error).message}`, { cause: err })
    }
    this.#checkedAt = Date.now()
  }

  get size(): number {
    return this.#entries.size
  }

  lookup(user: string): Credentials | undefined {
    const now = Date.now()
    if (now - this.#checkedAt >= this.#recheckMs) {
      this.#checkedAt = now
      this.#reload()
    }
    return this.#entries.get(user)
  }

  #reload(): void {
    try {
      const mtime = statSync(this.#path).mtimeMs
      if (mtime === this.#mtimeMs) return
      this.#entries = parseAuthFile(readFileSync(this.#path, 'utf8'))
      this.#mtimeMs = mtime
    } catch {
      // Keep the last good entries while the file is being replaced or is briefly missing.
    }
  }
}

/** Fixed credentials (tests, benches). */
export class StaticCredentials implements CredentialLookup {
  readonly #entries: Map<string, Credentials>
  constructor(entries: Record<string, string>) {
    this.#entries = new Map(Object.entries(entries).map(([u, p]) => [u, credentials(p)]))
  }
  lookup(user: string): Credentials | undefined {
    return this.#entries.get(user)
  }
}
