// The one rule for a port number in text, shared by host:port addresses
// (address.ts) and http(s) URLs (config/url.ts): digits only, 1-65535; a
// listen address may also say 0 (any free port).

/** Why `text` is not a port, or undefined. */
export function portProblem(text: string, min: 0 | 1 = 1): string | undefined {
  if (!/^\d+$/.test(text)) return `port must be a number, got ${JSON.stringify(text)}`
  const n = Number(text)
  if (n < min || n > 65535) return `port must be ${min}-65535, got ${n}`
  return undefined
}
