import { X509Certificate, createPrivateKey } from 'node:crypto'
import { accessSync, closeSync, constants, openSync, readFileSync, statSync, unlinkSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { ConfigError } from '../errors.ts'
import { tls } from '../tls-module.ts'

// What `--check-config` checks beyond the schema: the files and directories a
// configuration names. Validation itself stays pure (no file access); these
// checks run only in --check-config (and the same failures surface at start-up
// as the same ConfigErrors, exit 2). Every error names the full key path.

/** Reads a PEM value (a path, or inline PEM text) for `--check-config`; a ConfigError naming `key` when unreadable. */
function readPemValue(value: string, key: string): string {
  if (value.trimStart().startsWith('-----BEGIN')) return value
  try {
    return readFileSync(value, 'utf8')
  } catch (err) {
    throw new ConfigError(key, `cannot read ${JSON.stringify(value)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err })
  }
}

function describe(value: string): string {
  return value.trimStart().startsWith('-----BEGIN') ? 'the inline PEM' : JSON.stringify(value)
}

/** A certificate (or CA bundle): readable and at least one parseable X.509 certificate. Returns the PEM text. */
function checkCertificate(value: string, key: string): string {
  const pem = readPemValue(value, key)
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)
  if (!blocks) throw new ConfigError(key, `${describe(value)} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`)
  for (const block of blocks) {
    try {
      new X509Certificate(block)
    } catch (err) {
      throw new ConfigError(key, `${describe(value)} is not a valid certificate (${(err as Error).message})`, { cause: err })
    }
  }
  return pem
}

/** A private key: readable and parseable (unencrypted PEM). Returns the PEM text. */
function checkPrivateKey(value: string, key: string): string {
  const pem = readPemValue(value, key)
  try {
    createPrivateKey(pem)
  } catch (err) {
    throw new ConfigError(key, `${describe(value)} is not a readable private key (${(err as Error).message})`, { cause: err })
  }
  return pem
}

/** cert + key: each parseable, and the key belongs to the certificate. */
export function checkKeyPair(cert: string, key: string, certKey: string, keyKey: string): void {
  const certPem = checkCertificate(cert, certKey)
  const keyPem = checkPrivateKey(key, keyKey)
  try {
    tls.createSecureContext({ cert: certPem, key: keyPem })
  } catch (err) {
    throw new ConfigError(keyKey, `does not match the certificate in ${certKey} (${(err as Error).message})`, { cause: err })
  }
}

export function checkCertificates(list: string | readonly string[] | undefined, key: string): void {
  if (list === undefined) return
  if (typeof list === 'string') return void checkCertificate(list, key)
  list.forEach((v, i) => checkCertificate(v, `${key}[${i}]`))
}

/** A file the process reads: exists, is a regular file, readable. Returns its text. */
export function checkReadableFile(file: string, key: string): string {
  try {
    if (!statSync(file).isFile()) throw new ConfigError(key, `${JSON.stringify(file)} is not a regular file`)
    return readFileSync(file, 'utf8')
  } catch (err) {
    if (err instanceof ConfigError) throw err
    throw new ConfigError(key, `cannot read ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err })
  }
}

/**
 * A directory the process writes into: when it exists, a file can really be
 * created in it (a probe file, removed at once: catches read-only mounts too,
 * which `access()` as root does not); when missing, its nearest existing
 * ancestor is a directory this user may create entries in.
 */
export function checkWritableDir(dir: string, key: string): void {
  const abs = resolve(dir)
  let st
  try {
    st = statSync(abs)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new ConfigError(key, `cannot use directory ${JSON.stringify(dir)} (${code ?? (err as Error).message})`, { cause: err })
  }
  if (st) {
    if (!st.isDirectory()) throw new ConfigError(key, `${JSON.stringify(dir)} exists and is not a directory`)
    const probe = join(abs, `.logyard-check-${process.pid}`)
    try {
      closeSync(openSync(probe, 'wx', 0o600))
      unlinkSync(probe)
    } catch (err) {
      throw new ConfigError(key, `directory ${JSON.stringify(dir)} is not writable for this user (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err })
    }
    return
  }
  let parent = dirname(abs)
  for (;;) {
    let pst
    try {
      pst = statSync(parent)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if ((code === 'ENOENT' || code === 'ENOTDIR') && parent !== dirname(parent)) {
        parent = dirname(parent)
        continue
      }
      throw new ConfigError(key, `cannot create directory ${JSON.stringify(dir)} (${code ?? (err as Error).message} at ${parent})`, { cause: err })
    }
    if (!pst.isDirectory()) throw new ConfigError(key, `cannot create directory ${JSON.stringify(dir)}: ${parent} is not a directory`)
    try {
      accessSync(parent, constants.W_OK | constants.X_OK)
    } catch (err) {
      throw new ConfigError(key, `cannot create directory ${JSON.stringify(dir)}: ${parent} is not writable for this user (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err })
    }
    return
  }
}
