// max_open_files: how many file handles the tailer holds, and the paths that
// wait for one, longest waiting first. A path waits with whether the first
// scan found it (read_from applies to those only). Rotated files and
// copytruncate copies found by the tailer itself are counted when opened but
// never made to wait: their unread bytes are under a name nothing else reads.

export class OpenFileBudget {
  readonly #max: number
  readonly #onChange: (open: number) => void
  #open = 0
  readonly #waiting = new Map<string, boolean>() // path → found by the first scan

  /** `onChange` is told the number of open handles after every change (the filesOpen gauge). */
  constructor(max: number, onChange: (open: number) => void = () => {}) {
    this.#max = max
    this.#onChange = onChange
  }

  /** Handles held now. */
  get open(): number {
    return this.#open
  }

  /** No handle is free: a file found now waits. */
  get full(): boolean {
    return this.#open >= this.#max
  }

  /** A handle was opened (may take the count past the maximum: see the head of this file). */
  opened(): void {
    this.#open++
    this.#onChange(this.#open)
  }

  /** A handle was closed. */
  closed(): void {
    if (this.#open === 0) throw new Error('open-file budget: a handle was closed that was never counted (a bug)')
    this.#open--
    this.#onChange(this.#open)
  }

  /** `path` waits for a handle; true when it was not waiting already (a waiting path keeps its place). */
  wait(path: string, initial: boolean): boolean {
    const fresh = !this.#waiting.has(path)
    this.#waiting.set(path, initial)
    return fresh
  }

  /** How many paths wait. */
  get waiting(): number {
    return this.#waiting.size
  }

  waitingPaths(): IterableIterator<string> {
    return this.#waiting.keys()
  }

  /** The path that has waited longest, taken off the list (undefined when none waits). */
  next(): { path: string; initial: boolean } | undefined {
    for (const [path, initial] of this.#waiting) {
      this.#waiting.delete(path)
      return { path, initial }
    }
    return undefined
  }
}
