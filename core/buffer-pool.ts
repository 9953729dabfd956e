// Free lists of Buffers that the hot paths reuse instead of allocating (and
// having V8 account for and collect) a fresh one per window. Buffers come from
// allocUnsafeSlow: each has memory of its own, never a slice of Node's shared
// pool, so keeping one keeps nothing else alive.

/** Buffers of one size, `keep` of them kept; a larger request gets a buffer of its own, never kept. */
export class FixedBufferPool {
  readonly size: number
  readonly #keep: number
  readonly #free: Buffer[] = []

  constructor(size: number, keep: number) {
    this.size = size
    this.#keep = keep
  }

  take(need = 0): Buffer {
    if (need > this.size) return Buffer.allocUnsafeSlow(need)
    return this.#free.pop() ?? Buffer.allocUnsafeSlow(this.size)
  }

  give(b: Buffer): void {
    if (b.length === this.size && this.#free.length < this.#keep) this.#free.push(b)
  }
}

/**
 * Buffers of varied sizes: take(n) hands out the smallest free one that
 * fits, or a new one rounded up to `step`; a full pool keeps the larger
 * buffers (they fit more), and none over `maxBytes` is kept.
 */
export class SizedBufferPool {
  readonly #keep: number
  readonly #step: number
  readonly #maxBytes: number
  readonly #free: Buffer[] = []

  constructor(keep: number, step: number, maxBytes: number) {
    this.#keep = keep
    this.#step = step
    this.#maxBytes = maxBytes
  }

  take(n: number): Buffer {
    const free = this.#free
    let best = -1
    for (let i = 0; i < free.length; i++) if (free[i]!.length >= n && (best < 0 || free[i]!.length < free[best]!.length)) best = i
    if (best < 0) return Buffer.allocUnsafeSlow(Math.ceil(n / this.#step) * this.#step)
    const b = free[best]!
    free[best] = free[free.length - 1]!
    free.pop()
    return b
  }

  give(b: Buffer): void {
    const free = this.#free
    if (b.length > this.#maxBytes) return
    if (free.length < this.#keep) {
      free.push(b)
      return
    }
    let small = 0
    for (let i = 1; i < free.length; i++) if (free[i]!.length < free[small]!.length) small = i
    if (free[small]!.length < b.length) free[small] = b
  }
}
