// A 64-bit collectd integer (COUNTER, DERIVE, ABSOLUTE) that does not fit in a
// JS number without losing precision (|v| > 2^53 − 1). Values that do fit are
// plain numbers; only the rare big ones are wrapped. JSON.stringify — which the
// Elasticsearch output uses — writes the exact decimal through Node 24's
// JSON.rawJSON, so 18446744073709551615 reaches Elasticsearch digit for digit.

import { rawJSON } from '../../../core/json.ts'

export class ExactInteger {
  readonly value: bigint

  constructor(value: bigint) {
    this.value = value
  }

  toJSON(): unknown {
    return rawJSON(this.value.toString())
  }

  toString(): string {
    return this.value.toString()
  }

  valueOf(): number {
    return Number(this.value)
  }
}

const TWO32 = 4294967296
/** hi word bound for |hi·2^32 + lo| ≤ 2^53 − 1 */
const SAFE_HI = 0x1fffff

/** Reads an unsigned big-endian 64-bit integer: a number when exact, else an ExactInteger. */
export function readUint64(buf: Buffer, off: number): number | ExactInteger {
  const hi = buf.readUInt32BE(off)
  if (hi <= SAFE_HI) return hi * TWO32 + buf.readUInt32BE(off + 4)
  return new ExactInteger(buf.readBigUInt64BE(off))
}

/** Reads a signed (two's complement) big-endian 64-bit integer: a number when exact, else an ExactInteger. */
export function readInt64(buf: Buffer, off: number): number | ExactInteger {
  const hi = buf.readInt32BE(off)
  // |hi·2^32 + lo| < 2^53 needs −2^21 ≤ hi < 2^21; in that range the double arithmetic is exact.
  if (hi <= SAFE_HI && hi >= -SAFE_HI - 1) {
    const n = hi * TWO32 + buf.readUInt32BE(off + 4)
    if (n >= -Number.MAX_SAFE_INTEGER) return n
  }
  return new ExactInteger(buf.readBigInt64BE(off))
}
