// Static detection of grok patterns prone to catastrophic backtracking.
//
// A backtracking engine explodes when a repetition can split the same text in
// many ways and the match then fails: `^(a+)+$` on 'aaaa…!' tries 2^n splits.
// The structural cause is an unbounded repetition nested inside another one
// without a mandatory separator between iterations. We parse the expanded
// Oniguruma source into a small tree and report:
//   error    an unbounded repetition whose only content is itself an unbounded
//            repetition: (x+)+, (x*)*, (?:x+)* — exponential on any failing input
//            that x matches repeatedly;
//   warning  an unbounded repetition whose iterations may consist of nothing but
//            unbounded repetitions (every other part optional): (?:\w+\s*)+,
//            or that contains an unbounded "wide" atom (., \S, [^…]) that can
//            also eat the separator: (?:.*,)+.
// Possessive quantifiers (x++), atomic groups (?>…) and lookarounds cut
// backtracking and are not reported.

interface Node {
  kind: 'atom' | 'anchor' | 'group'
  /** atom: may match almost anything (., \S, \W, \D, [^…]). */
  wide: boolean
  /** group: alternatives, each a sequence. */
  alts: Node[][]
  /** group: atomic or lookaround (backtracking into it is cut). */
  atomic: boolean
  min: number
  max: number
  possessive: boolean
  /** Source offset, for messages. */
  at: number
}

interface BacktrackingReport {
  errors: string[]
  warnings: string[]
}

function node(kind: Node['kind'], at: number): Node {
  return { kind, wide: false, alts: [], atomic: false, min: 1, max: 1, possessive: false, at }
}

class Parser {
  readonly #s: string
  #i = 0

  constructor(source: string) {
    this.#s = source
  }

  parse(): Node {
    const root = node('group', 0)
    root.alts = this.#alternatives()
    return root
  }

  #alternatives(): Node[][] {
    const alts: Node[][] = [[]]
    const s = this.#s
    while (this.#i < s.length) {
      const c = s[this.#i]!
      if (c === ')') return alts
      if (c === '|') {
        alts.push([])
        this.#i++
        continue
      }
      const n = this.#element()
      if (n === null) continue
      this.#quantifier(n)
      alts[alts.length - 1]!.push(n)
    }
    return alts
  }

  #element(): Node | null {
    const s = this.#s
    const at = this.#i
    const c = s[at]!
    if (c === '(') {
      let atomic = false
      let j = at + 1
      if (s[j] === '?') {
        const t = s[j + 1]
        if (t === '#') {
          const end = s.indexOf(')', j)
          this.#i = end < 0 ? s.length : end + 1
          return null
        }
        if (t === ':') j += 2
        else if (t === '>' || t === '=' || t === '!') {
          atomic = true
          j += 2
        } else if (t === '<' && (s[j + 2] === '=' || s[j + 2] === '!')) {
          atomic = true
          j += 3
        } else if (t === '<' || t === "'" || t === 'P') {
          const close = t === "'" ? "'" : '>'
          j = s.indexOf(close, j + 2) + 1
        } else {
          // flag group: (?imx-imx) or (?imx-imx:…)
          let k = j + 1
          while (k < s.length && /[imxDSWaulP-]/.test(s[k]!)) k++
          if (s[k] === ')') {
            this.#i = k + 1
            return null
          }
          j = k + 1
        }
      } else {
        j = at + 1
      }
      this.#i = j
      const g = node('group', at)
      g.atomic = atomic
      g.alts = this.#alternatives()
      this.#i++ // ')'
      return g
    }
    if (c === '[') {
      const n = node('atom', at)
      // a negated class usually excludes the separator that follows it: not wide
      n.wide = false
      this.#i = classEnd(s, at) + 1
      if (this.#i === 0) this.#i = s.length
      return n
    }
    if (c === '\\') {
      const e = s[at + 1] ?? ''
      let end = at + 2
      if ((e === 'x' || e === 'p' || e === 'P' || e === 'k' || e === 'g' || e === 'o' || e === 'u') && /[{<']/.test(s[end] ?? '')) {
        const close = s[end] === '{' ? '}' : s[end] === '<' ? '>' : "'"
        end = s.indexOf(close, end) + 1
      } else if (e === 'x') end += 2
      else if (e === 'u') end += 4
      this.#i = Math.max(end, at + 2)
      if ('AzZbBGK'.includes(e)) return node('anchor', at)
      const n = node('atom', at)
      n.wide = 'SWDHNOPR'.includes(e) && e !== 'P'
      return n
    }
    this.#i++
    if (c === '^' || c === '$') return node('anchor', at)
    const n = node('atom', at)
    n.wide = c === '.'
    return n
  }

  #quantifier(n: Node): void {
    const s = this.#s
    const c = s[this.#i]
    if (c === '*' || c === '+' || c === '?') {
      n.min = c === '+' ? 1 : 0
      n.max = c === '?' ? 1 : Infinity
      this.#i++
    } else if (c === '{') {
      const m = /^\{(\d*)(,?)(\d*)\}/.exec(s.slice(this.#i, this.#i + 24))
      if (m === null || (m[1] === '' && m[3] === '')) return // a literal {
      n.min = m[1] === '' ? 0 : Number(m[1])
      n.max = m[2] === '' ? n.min : m[3] === '' ? Infinity : Number(m[3])
      this.#i += m[0].length
    } else {
      return
    }
    const mod = s[this.#i]
    if (mod === '?') this.#i++
    else if (mod === '+' && c !== '{') {
      n.possessive = true
      this.#i++
    }
  }
}

function classEnd(s: string, start: number): number {
  let depth = 0
  for (let i = start; i < s.length; i++) {
    const c = s[i]
    if (c === '\\') {
      i++
      continue
    }
    if (c === '[') {
      depth++
      if (s[i + 1] === '^') i++
      if (s[i + 1] === ']') i++
    } else if (c === ']' && --depth === 0) return i
  }
  return -1
}

const repeats = (n: Node): boolean => n.max === Infinity && !n.possessive

/** Does matching `n` involve an unbounded repetition that can still be backtracked into? */
function hasUnbounded(n: Node): boolean {
  if (repeats(n)) return !n.possessive
  if (n.kind !== 'group' || n.atomic || n.possessive) return false
  return n.alts.some((alt) => alt.some(hasUnbounded))
}

function hasWideUnbounded(n: Node): boolean {
  if (n.kind === 'atom') return n.wide && repeats(n)
  if (n.kind !== 'group' || n.atomic || n.possessive) return false
  return n.alts.some((alt) => alt.some(hasWideUnbounded))
}

function minLength(n: Node): number {
  if (n.min === 0 || n.kind === 'anchor') return 0
  if (n.kind === 'atom') return n.min
  let best = Infinity
  for (const alt of n.alts) best = Math.min(best, alt.reduce((sum, e) => sum + minLength(e), 0))
  return best === Infinity ? 0 : best * n.min
}

/** A plain group holding one element, unwrapped: ((x+)) → x+. */
function unwrap(n: Node): Node {
  let cur = n
  while (cur.kind === 'group' && !cur.atomic && cur.min === 1 && cur.max === 1 && cur.alts.length === 1 && cur.alts[0]!.length === 1) cur = cur.alts[0]![0]!
  return cur
}

function visit(n: Node, source: string, report: BacktrackingReport): void {
  if (n.kind !== 'group') return
  if (repeats(n) && !n.atomic) {
    for (const alt of n.alts) {
      const unbounded = alt.filter(hasUnbounded)
      if (unbounded.length === 0) continue
      const where = `${JSON.stringify(source.slice(n.at, n.at + 40))} at offset ${n.at}`
      const inner = alt.length === 1 ? unwrap(alt[0]!) : undefined
      if (inner !== undefined && repeats(inner)) {
        report.errors.push(`nested unbounded repetition ${where}`)
        continue
      }
      const separators = alt.filter((e) => !unbounded.includes(e) && minLength(e) > 0)
      if (separators.length === 0) report.warnings.push(`repetition of repetitions without a mandatory separator ${where}`)
      else if (unbounded.some(hasWideUnbounded)) report.warnings.push(`wide unbounded repetition (.*, \\S+, [^…]+) inside a repetition ${where}`)
    }
  }
  for (const alt of n.alts) for (const e of alt) visit(e, source, report)
}

export function analyzeBacktracking(source: string): BacktrackingReport {
  const report: BacktrackingReport = { errors: [], warnings: [] }
  let root: Node
  try {
    root = new Parser(source).parse()
  } catch {
    return report // syntax problems are reported by the regex compiler
  }
  visit(root, source, report)
  return report
}
