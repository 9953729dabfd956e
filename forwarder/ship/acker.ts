// Acknowledgements arrive per batch, possibly out of order (several hosts,
// pipelined windows). A file's checkpoint may only advance over a contiguous
// prefix of acknowledged batches (vector's OrderedFinalizer): each file keeps
// its batches in send order with the end offset it reached in each, and on
// every ack pops the acknowledged head.

interface AckBatch {
  done: boolean
}

export interface AckTarget {
  readonly acks: OrderedAcks
  /** Every byte before `end` has been delivered. */
  acked(end: number): void
}

export class OrderedAcks {
  #batches: AckBatch[] = []
  #ends: number[] = []
  #head = 0
  #generation = 0
  #gens: number[] = []

  /** Records that `batch` carries this file's data up to `end`. Same batch twice → the end moves. */
  add(batch: AckBatch, end: number): boolean {
    const last = this.#batches.length - 1
    if (last >= this.#head && this.#batches[last] === batch && this.#gens[last] === this.#generation) {
      this.#ends[last] = end
      return false
    }
    this.#batches.push(batch)
    this.#ends.push(end)
    this.#gens.push(this.#generation)
    return true
  }

  /** Batches not yet acknowledged (or acknowledged behind a gap). */
  get pending(): number {
    return this.#batches.length - this.#head
  }

  /** Offsets recorded before this call are ignored from now on (the file was truncated). */
  reset(): void {
    this.#generation++
  }

  /** Pops the acknowledged prefix; returns the new checkpoint or -1 when it did not move. */
  settle(): number {
    let end = -1
    while (this.#head < this.#batches.length && this.#batches[this.#head]!.done) {
      if (this.#gens[this.#head] === this.#generation) end = this.#ends[this.#head]!
      this.#head++
    }
    if (this.#head > 64 && this.#head * 2 > this.#batches.length) {
      this.#batches = this.#batches.slice(this.#head)
      this.#ends = this.#ends.slice(this.#head)
      this.#gens = this.#gens.slice(this.#head)
      this.#head = 0
    }
    return end
  }
}
