import { createCipheriv, createDecipheriv, createHash, createHmac, timingSafeEqual } from 'node:crypto'

// The two collectd security envelopes (docs/protocols/collectd.md §6, §7).

/** HMAC-SHA-256(key = password, data = username ‖ signed payload), compared in constant time. */
export function verifySignature(password: Buffer, username: Buffer, payload: Buffer, mac: Buffer): boolean {
  const expected = createHmac('sha256', password).update(username).update(payload).digest()
  return expected.length === mac.length && timingSafeEqual(expected, mac)
}

export function signature(password: Buffer, username: Buffer, payload: Buffer): Buffer {
  return createHmac('sha256', password).update(username).update(payload).digest()
}

/**
 * AES-256-OFB decryption of `sha1 ‖ payload`; returns the plaintext payload, or
 * undefined when the SHA-1 check fails (wrong password or tampering).
 */
export function decryptPayload(aesKey: Buffer, iv: Buffer, ciphertext: Buffer): Buffer | undefined {
  const decipher = createDecipheriv('aes-256-ofb', aesKey, iv)
  const head = decipher.update(ciphertext)
  const tail = decipher.final()
  const plain = tail.length === 0 ? head : Buffer.concat([head, tail])
  if (plain.length < 20) return undefined
  const payload = plain.subarray(20)
  const digest = createHash('sha1').update(payload).digest()
  return timingSafeEqual(digest, plain.subarray(0, 20)) ? payload : undefined
}

/** Builds an encryption part body's encrypted region (for tests and benches): AES-256-OFB(sha1(payload) ‖ payload). */
export function encryptPayload(aesKey: Buffer, iv: Buffer, payload: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-ofb', aesKey, iv)
  const plain = Buffer.concat([createHash('sha1').update(payload).digest(), payload])
  return Buffer.concat([cipher.update(plain), cipher.final()])
}
