// Capped exponential backoff with full jitter (AWS architecture blog's
// "full jitter"): delay = random(0, min(max, initial * 2^attempt)).
// A floor keeps reconnect loops from spinning when random() is tiny.

interface BackoffOptions {
  initial: number // ms
  max: number // ms
  floor?: number // ms, default initial / 4
  random?: () => number
}

export class Backoff {
  readonly #initial: number
  readonly #max: number
  readonly #floor: number
  readonly #random: () => number
  #attempt = 0

  constructor(options: BackoffOptions) {
    if (!(options.initial > 0) || !(options.max >= options.initial)) {
      throw new RangeError(`backoff needs 0 < initial <= max, got ${options.initial}/${options.max}`)
    }
    this.#initial = options.initial
    this.#max = options.max
    this.#floor = options.floor ?? options.initial / 4
    this.#random = options.random ?? Math.random
  }

  get attempt(): number {
    return this.#attempt
  }

  /** The next delay in ms; each call grows the ceiling until `max`. */
  next(): number {
    const ceiling = Math.min(this.#max, this.#initial * 2 ** Math.min(this.#attempt, 30))
    this.#attempt++
    return Math.max(this.#floor, Math.floor(this.#random() * ceiling))
  }

  reset(): void {
    this.#attempt = 0
  }
}
