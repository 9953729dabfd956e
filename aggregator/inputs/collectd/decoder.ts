import type { LogEvent } from '../../../core/event.ts'
import type { CredentialLookup } from './auth-file.ts'
import { decryptPayload, verifySignature } from './crypto.ts'
import { type ExactInteger, readInt64, readUint64 } from './exact-integer.ts'
import { type JsonFloat, legacyGauge } from './json-float.ts'
import { getField, parseFieldRef, setField, type FieldPath } from '../../../core/fields.ts'
import type { TypesDb } from './types-db.ts'

// collectd's binary network protocol (docs/protocols/collectd.md): a datagram is a run of
// TLV parts (u16 type, u16 length including the 4-byte header). State (host,
// time, plugin, …) lives for one datagram; a VALUES part dispatches one value
// list, a MESSAGE part one notification. Every length is checked against what
// remains before a byte is read; a bad part ends the datagram with a counted
// reason, never an exception. Security envelopes: HMAC-SHA-256 signature
// (0x0200) and AES-256-OFB encryption (0x0210), gated by the security level the
// way collectd's own receiver gates them (stricter than Logstash at `sign`).

export const securityLevels = ['none', 'sign', 'encrypt'] as const
export type SecurityLevel = (typeof securityLevels)[number]

export const eventFormats = ['ecs', 'legacy'] as const
export type EventFormat = (typeof eventFormats)[number]

export const nanHandlings = ['change_value', 'warn', 'drop'] as const
export type NanHandling = (typeof nanHandlings)[number]

/** What `nan_handling: drop` drops: the one value list (documented Logstash behaviour) or the rest of the datagram (what Logstash really does). */
export const nanDropScopes = ['value_list', 'datagram'] as const
export type NanDropScope = (typeof nanDropScopes)[number]

/** Why decoding of a datagram stopped early or a part was not dispatched. */
export const decodeErrorReasons = [
  'empty', // zero-length datagram
  'truncated', // a part's length runs past the end of the datagram
  'bad_length', // part length < 4, numeric part ≠ 12, values part ≠ 6 + 9·n
  'bad_string', // string part without body, without NUL, or longer than collectd allows
  'bad_value_type', // a value type code other than 0..3
  'trailing_bytes', // 1–4 non-zero bytes after the last part
  'incomplete_value_list', // values without time, host, plugin or type: not dispatched
  'incomplete_notification', // message without time or valid severity: not dispatched
  'nan_dropped', // a value list dropped by nan_handling: drop (NaN or ±Infinity gauge)
] as const
export type DecodeErrorReason = (typeof decodeErrorReasons)[number]

/** Why (part of) a datagram was refused by the security level. */
export const securityReasons = [
  'unsigned', // plain parts at level sign (collectd ignores them)
  'unencrypted', // plain or signed parts at level encrypt
  'bad_signature', // HMAC mismatch: rest of the datagram dropped
  'unknown_user', // user not in the auth file
  'bad_checksum', // decrypted SHA-1 mismatch (wrong password or tampering)
  'no_credentials', // encrypted part but no auth file configured
  'malformed', // signature/encryption part too short or with a bad username length
] as const
export type SecurityReason = (typeof securityReasons)[number]

export interface DecoderOptions {
  typesDb: TypesDb
  securityLevel?: SecurityLevel
  credentials?: CredentialLookup | undefined
  eventFormat?: EventFormat
  nanHandling?: NanHandling
  nanValue?: number
  nanTag?: string
  nanDropScope?: NanDropScope
  /** legacy only: false emits an event per interval part, as Logstash's prune_intervals => false. */
  pruneIntervals?: boolean
  /** legacy only: the codec's `target` — the decoded fields go under this field; @timestamp, @version and tags stay at the root. */
  target?: string | undefined
}

export interface DecoderContext {
  readonly typesDb: TypesDb
  readonly securityLevel: SecurityLevel
  readonly credentials: CredentialLookup | undefined
  readonly eventFormat: EventFormat
  readonly nanHandling: NanHandling
  readonly nanValue: number
  readonly nanTag: string
  readonly nanDropScope: NanDropScope
  readonly pruneIntervals: boolean
  readonly target: FieldPath | undefined
  readonly emitValues: (ctx: DecoderContext, s: State, values: Value[], names: readonly string[], tagNan: boolean, res: DecodeResult) => void
  readonly emitNotification: (ctx: DecoderContext, s: State, message: string, res: DecodeResult) => void
}

export function createDecoderContext(options: DecoderOptions): DecoderContext {
  const eventFormat = options.eventFormat ?? 'ecs'
  return {
    typesDb: options.typesDb,
    securityLevel: options.securityLevel ?? 'none',
    credentials: options.credentials,
    eventFormat,
    nanHandling: options.nanHandling ?? 'change_value',
    nanValue: options.nanValue ?? 0,
    nanTag: options.nanTag ?? '_collectdNaN',
    nanDropScope: options.nanDropScope ?? 'value_list',
    pruneIntervals: options.pruneIntervals ?? true,
    target: options.target === undefined || options.target === '' ? undefined : parseFieldRef(options.target),
    emitValues: eventFormat === 'ecs' ? ecsValues : legacyValues,
    emitNotification: eventFormat === 'ecs' ? ecsNotification : legacyNotification,
  }
}

export interface DecodeResult {
  events: LogEvent[]
  /** Values in dispatched value lists. */
  values: number
  /** Decode problems, one entry per occurrence. */
  errors: DecodeErrorReason[]
  /** Security refusals, at most one entry per reason per datagram. */
  rejections: SecurityReason[]
  /** Value lists whose type is not in types.db, or whose value count differs from it (kept with positional names). */
  unknownTypes: number
  /** GAUGE NaNs replaced by nan_value. */
  nanReplaced: number
  /** GAUGE ±Infinity replaced by nan_value (or dropped, under nan_handling: drop). */
  infinities: number
  /** The username of the last signature or encryption part that was accepted. */
  username: string | undefined
}

export type Value = number | ExactInteger | JsonFloat

const PART_HOST = 0x0000
const PART_TIME = 0x0001
const PART_PLUGIN = 0x0002
const PART_PLUGIN_INSTANCE = 0x0003
const PART_TYPE = 0x0004
const PART_TYPE_INSTANCE = 0x0005
const PART_VALUES = 0x0006
const PART_INTERVAL = 0x0007
const PART_TIME_HR = 0x0008
const PART_INTERVAL_HR = 0x0009
const PART_MESSAGE = 0x0100
const PART_SEVERITY = 0x0101
const PART_SIGN_SHA256 = 0x0200
const PART_ENCR_AES256 = 0x0210

/** collectd's DATA_MAX_NAME_LEN and NOTIF_MAX_MSG_LEN, NUL included. */
const MAX_NAME = 128
const MAX_MESSAGE = 256

const FLAG_SIGNED = 1
const FLAG_ENCRYPTED = 2

const TWO_POW_MINUS_30 = 1 / 1073741824

/** Per-datagram receiver state (collectd's value_list_t + notification_t). */
export interface State {
  host: string
  plugin: string
  pluginInstance: string
  type: string
  typeInstance: string
  /** seconds since the epoch; 0 = unset */
  time: number
  /** cached ISO string of `time` */
  timestamp: string | undefined
  /** seconds; 0 = unset */
  interval: number
  severity: number
  username: string | undefined
}

function newState(): State {
  return { host: '', plugin: '', pluginInstance: '', type: '', typeInstance: '', time: 0, timestamp: undefined, interval: 0, severity: 0, username: undefined }
}

function timestampOf(s: State): string {
  return (s.timestamp ??= new Date(s.time * 1000).toISOString())
}

/** Decodes one datagram. Never throws on bad input: problems are counted in the result. */
export function decodeCollectd(datagram: Buffer, ctx: DecoderContext): DecodeResult {
  const res: DecodeResult = { events: [], values: 0, errors: [], rejections: [], unknownTypes: 0, nanReplaced: 0, infinities: 0, username: undefined }
  if (datagram.length === 0) {
    res.errors.push('empty')
    return res
  }
  parse(datagram, 0, datagram.length, 0, newState(), ctx, res)
  return res
}

function reject(res: DecodeResult, reason: SecurityReason): void {
  if (!res.rejections.includes(reason)) res.rejections.push(reason)
}

function allZero(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== 0) return false
  return true
}

/** Returns false when parsing of the whole datagram must stop. */
function parse(buf: Buffer, start: number, end: number, flags: number, s: State, ctx: DecoderContext, res: DecodeResult): boolean {
  const level = ctx.securityLevel
  let off = start
  while (end - off > 4) {
    const type = buf.readUInt16BE(off)
    const len = buf.readUInt16BE(off + 2)
    if (len < 4) {
      // More than 4 zero bytes read as HOST/length 0: senders that pad datagrams (collectm). Ignore quietly.
      if (!(type === 0 && len === 0 && allZero(buf, off, end))) res.errors.push('bad_length')
      return false
    }
    if (len > end - off) {
      res.errors.push('truncated')
      return false
    }
    const partEnd = off + len

    if (type === PART_SIGN_SHA256) {
      return signed(buf, off, len, end, flags, s, ctx, res)
    }
    if (type === PART_ENCR_AES256) {
      if (!encrypted(buf, off, len, flags, ctx, res)) return false
      off = partEnd
      continue
    }
    if (type > PART_INTERVAL_HR && type !== PART_MESSAGE && type !== PART_SEVERITY) {
      off = partEnd // unknown part: skip by its length (forward compatibility)
      continue
    }
    // A data part: the security level decides whether it counts.
    if (level === 'sign' && (flags & (FLAG_SIGNED | FLAG_ENCRYPTED)) === 0) {
      reject(res, 'unsigned')
      off = partEnd
      continue
    }
    if (level === 'encrypt' && (flags & FLAG_ENCRYPTED) === 0) {
      reject(res, 'unencrypted')
      off = partEnd
      continue
    }

    switch (type) {
      case PART_HOST:
      case PART_PLUGIN:
      case PART_PLUGIN_INSTANCE:
      case PART_TYPE:
      case PART_TYPE_INSTANCE:
      case PART_MESSAGE: {
        if (len <= 4 || buf[partEnd - 1] !== 0 || len - 4 > (type === PART_MESSAGE ? MAX_MESSAGE : MAX_NAME)) {
          res.errors.push('bad_string')
          return false
        }
        const text = buf.toString('utf8', off + 4, partEnd - 1)
        if (type === PART_HOST) s.host = text
        else if (type === PART_PLUGIN) s.plugin = text
        else if (type === PART_PLUGIN_INSTANCE) s.pluginInstance = text
        else if (type === PART_TYPE) s.type = text
        else if (type === PART_TYPE_INSTANCE) s.typeInstance = text
        else if (s.time !== 0 && text !== '' && (s.severity === 1 || s.severity === 2 || s.severity === 4)) ctx.emitNotification(ctx, s, text, res)
        else res.errors.push('incomplete_notification')
        break
      }
      case PART_TIME:
      case PART_TIME_HR:
      case PART_INTERVAL:
      case PART_INTERVAL_HR:
      case PART_SEVERITY: {
        if (len !== 12) {
          res.errors.push('bad_length')
          return false
        }
        const hi = buf.readUInt32BE(off + 4)
        const lo = buf.readUInt32BE(off + 8)
        if (type === PART_TIME_HR || type === PART_INTERVAL_HR) {
          // units of 2^-30 s: hi·2^32·2^-30 + lo·2^-30
          const seconds = hi * 4 + lo * TWO_POW_MINUS_30
          if (type === PART_TIME_HR) setTime(s, seconds)
          else setInterval(s, seconds, ctx, res)
        } else {
          const n = hi * 4294967296 + lo
          if (type === PART_TIME) setTime(s, n)
          else if (type === PART_INTERVAL) setInterval(s, n, ctx, res)
          else s.severity = n
        }
        break
      }
      case PART_VALUES: {
        if (!values(buf, off, len, s, ctx, res)) return false
        break
      }
    }
    off = partEnd
  }
  if (off < end && !allZero(buf, off, end)) res.errors.push('trailing_bytes')
  return true
}

function setTime(s: State, seconds: number): void {
  if (s.time !== seconds) {
    s.time = seconds
    s.timestamp = undefined
  }
}

function setInterval(s: State, seconds: number, ctx: DecoderContext, res: DecodeResult): void {
  s.interval = seconds
  if (!ctx.pruneIntervals && ctx.eventFormat === 'legacy') {
    const event = legacyBase(ctx, s)
    legacyFields(ctx, event).interval = Math.trunc(seconds)
    res.events.push(event)
  }
}

const scratchValues: Value[] = []

/** Parses and dispatches one VALUES part. Returns false when the datagram must stop. */
function values(buf: Buffer, off: number, len: number, s: State, ctx: DecoderContext, res: DecodeResult): boolean {
  if (len < 15) {
    res.errors.push('bad_length')
    return false
  }
  const count = buf.readUInt16BE(off + 4)
  if (count === 0 || len !== 6 + 9 * count) {
    res.errors.push('bad_length')
    return false
  }
  const codes = off + 6
  let at = codes + count
  const vals = scratchValues
  vals.length = 0
  let nan = false
  for (let i = 0; i < count; i++, at += 8) {
    switch (buf[codes + i]) {
      case 0: // COUNTER
      case 3: // ABSOLUTE
        vals.push(readUint64(buf, at))
        break
      case 1: {
        // GAUGE: little-endian double; every NaN bit pattern is NaN. ±Infinity has no JSON form (JSON.stringify
        // writes null): it gets NaN's treatment — replaced by nan_value and tagged, or dropped — counted apart.
        let v = buf.readDoubleLE(at)
        if (v !== v || v === Infinity || v === -Infinity) {
          if (ctx.nanHandling === 'drop') {
            if (v === v) res.infinities++
            res.errors.push('nan_dropped')
            return ctx.nanDropScope === 'value_list'
          }
          if (v === v) res.infinities++
          else res.nanReplaced++
          v = ctx.nanValue
          nan = true
        }
        vals.push(ctx.eventFormat === 'legacy' ? legacyGauge(v) : v)
        break
      }
      case 2: // DERIVE
        vals.push(readInt64(buf, at))
        break
      default:
        res.errors.push('bad_value_type')
        return false
    }
  }
  if (s.time === 0 || s.host === '' || s.plugin === '' || s.type === '') {
    res.errors.push('incomplete_value_list')
    return true
  }
  const ds = ctx.typesDb.get(s.type)
  let names: readonly string[]
  if (ds !== undefined && ds.names.length === count) names = ds.names
  else {
    res.unknownTypes++
    names = positional(count)
  }
  res.values += count
  ctx.emitValues(ctx, s, vals, names, nan, res)
  return true
}

const positionalNames: string[][] = []
function positional(n: number): readonly string[] {
  let names = positionalNames[n]
  if (names === undefined) {
    names = []
    for (let i = 0; i < n; i++) names.push(`value${i}`)
    positionalNames[n] = names
  }
  return names
}

function signed(buf: Buffer, off: number, len: number, end: number, flags: number, s: State, ctx: DecoderContext, res: DecodeResult): boolean {
  if (len <= 36) {
    reject(res, 'malformed')
    return false
  }
  const rest = off + len
  if (ctx.securityLevel === 'encrypt') {
    // A signature does not satisfy Encrypt: the parts after it stay unencrypted (and are ignored).
    return parse(buf, rest, end, flags, s, ctx, res)
  }
  const creds = ctx.credentials
  if (creds === undefined) {
    // collectd without an AuthFile: skip the signature, parse the rest unverified.
    return parse(buf, rest, end, flags, s, ctx, res)
  }
  const userBytes = buf.subarray(off + 36, rest)
  const user = userBytes.toString('utf8')
  const c = creds.lookup(user)
  if (c === undefined) {
    reject(res, 'unknown_user')
    return false
  }
  if (!verifySignature(c.password, userBytes, buf.subarray(rest, end), buf.subarray(off + 4, off + 36))) {
    reject(res, 'bad_signature')
    return false
  }
  s.username = user
  res.username = user
  return parse(buf, rest, end, flags | FLAG_SIGNED, s, ctx, res)
}

function encrypted(buf: Buffer, off: number, len: number, flags: number, ctx: DecoderContext, res: DecodeResult): boolean {
  if (len <= 42) {
    reject(res, 'malformed')
    return false
  }
  const ulen = buf.readUInt16BE(off + 4)
  if (ulen < 1 || ulen > len - 43) {
    reject(res, 'malformed')
    return false
  }
  const creds = ctx.credentials
  if (creds === undefined) {
    reject(res, 'no_credentials')
    return false
  }
  const user = buf.toString('utf8', off + 6, off + 6 + ulen)
  const c = creds.lookup(user)
  if (c === undefined) {
    reject(res, 'unknown_user')
    return false
  }
  const ivAt = off + 6 + ulen
  const payload = decryptPayload(c.aesKey, buf.subarray(ivAt, ivAt + 16), buf.subarray(ivAt + 16, off + len))
  if (payload === undefined) {
    reject(res, 'bad_checksum')
    return false
  }
  res.username = user
  // The inner payload is a packet of its own, with fresh state.
  const inner = newState()
  inner.username = user
  parse(payload, 0, payload.length, flags | FLAG_ENCRYPTED, inner, ctx, res)
  return true
}

// ── Event layouts ─────────────────────────────────────────────────────────────
//
// ecs (default):
//   { '@timestamp', host: {name}, event: {kind: 'metric', module: 'collectd', dataset: 'collectd'},
//     collectd: { plugin, plugin_instance?, type, type_instance?, interval?, username?,
//                 values: { <type>: { <ds name>: value, … } } }, tags? }
//   Values are namespaced by the types.db type so one field name never holds a
//   GAUGE (double) in one document and a DERIVE (long) in another (ES mapping
//   conflicts, docs/protocols/collectd.md §11, item 12). Empty instances are omitted.
//   Notifications: { '@timestamp', host: {name}, message, log: {level}, event: {kind: 'alert', …},
//     collectd: { plugin?, plugin_instance?, type?, type_instance?, severity } }
// legacy (Logstash codec names, as logstash-codec-collectd makes them):
//   { '@timestamp', '@version': '1', host?, plugin?, plugin_instance?, collectd_type?, type_instance?,
//     value | <ds names>…, tags?, '@metadata': {event_format: 'legacy'} }
//   Empty strings are left out (a notification may lack plugin and type). Whole-number gauges are
//   JsonFloat (`157.0` in JSON, as Logstash writes a Ruby Float). With `target` the codec's fields
//   go under that field. `@metadata.event_format` sends the event to the Elasticsearch output's
//   `legacy_index` (its `host` is a string, where logyard's ECS template maps an object).

const ECS_EVENT_ALERT = { kind: 'alert', module: 'collectd', dataset: 'collectd' } as const
const severityNames: Record<number, string> = { 1: 'failure', 2: 'warning', 4: 'okay' }
const severityLevels: Record<number, string> = { 1: 'error', 2: 'warning', 4: 'info' }

function ecsValues(ctx: DecoderContext, s: State, vals: Value[], names: readonly string[], tagNan: boolean, res: DecodeResult): void {
  const fields: Record<string, Value> = {}
  for (let i = 0; i < vals.length; i++) fields[names[i] as string] = vals[i] as Value
  const values: Record<string, Record<string, Value>> = {}
  values[s.type] = fields
  const collectd: Record<string, unknown> = { plugin: s.plugin }
  if (s.pluginInstance !== '') collectd.plugin_instance = s.pluginInstance
  collectd.type = s.type
  if (s.typeInstance !== '') collectd.type_instance = s.typeInstance
  if (s.interval !== 0) collectd.interval = s.interval
  if (s.username !== undefined) collectd.username = s.username
  collectd.values = values
  const event: LogEvent = { '@timestamp': timestampOf(s), host: { name: s.host }, event: { kind: 'metric', module: 'collectd', dataset: 'collectd' }, collectd }
  if (tagNan && ctx.nanTag !== '') event.tags = [ctx.nanTag]
  res.events.push(event)
}

function ecsNotification(_ctx: DecoderContext, s: State, message: string, res: DecodeResult): void {
  const collectd: Record<string, unknown> = {}
  if (s.plugin !== '') collectd.plugin = s.plugin
  if (s.pluginInstance !== '') collectd.plugin_instance = s.pluginInstance
  if (s.type !== '') collectd.type = s.type
  if (s.typeInstance !== '') collectd.type_instance = s.typeInstance
  if (s.username !== undefined) collectd.username = s.username
  collectd.severity = severityNames[s.severity]
  const event: LogEvent = { '@timestamp': timestampOf(s), message, log: { level: severityLevels[s.severity] }, event: { ...ECS_EVENT_ALERT }, collectd }
  if (s.host !== '') event.host = { name: s.host }
  res.events.push(event)
}

function legacyBase(ctx: DecoderContext, s: State): LogEvent {
  const event: LogEvent = { '@timestamp': timestampOf(s), '@version': '1' }
  const fields: Record<string, unknown> = ctx.target === undefined ? event : {}
  if (s.host !== '') fields.host = s.host
  if (s.plugin !== '') fields.plugin = s.plugin
  if (s.pluginInstance !== '') fields.plugin_instance = s.pluginInstance
  if (s.type !== '') fields.collectd_type = s.type
  if (s.typeInstance !== '') fields.type_instance = s.typeInstance
  if (ctx.target !== undefined) setField(event, ctx.target, fields)
  event['@metadata'] = { event_format: 'legacy' }
  return event
}

/** Where the codec's fields of a legacy event go: the event, or its `target` object. */
function legacyFields(ctx: DecoderContext, event: LogEvent): Record<string, unknown> {
  return ctx.target === undefined ? event : (getField(event, ctx.target) as Record<string, unknown>)
}

function legacyValues(ctx: DecoderContext, s: State, vals: Value[], names: readonly string[], tagNan: boolean, res: DecodeResult): void {
  const event = legacyBase(ctx, s)
  const fields = legacyFields(ctx, event)
  // Logstash's rule: a single value is always `value`, whatever the data source is called. Several values of a
  // type types.db does not know (or with another count) get positional names value0, value1 … (Logstash logs an
  // error and emits the event without them; logyard keeps them and counts the list in collectd_unknown_types_total).
  if (vals.length === 1) fields.value = vals[0]
  else for (let i = 0; i < vals.length; i++) fields[names[i] as string] = vals[i]
  if (tagNan && ctx.nanTag !== '') event.tags = [ctx.nanTag]
  res.events.push(event)
}

function legacyNotification(ctx: DecoderContext, s: State, message: string, res: DecodeResult): void {
  const event = legacyBase(ctx, s)
  const fields = legacyFields(ctx, event)
  fields.message = message
  fields.severity = s.severity
  res.events.push(event)
}
