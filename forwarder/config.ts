import type { Infer, Spec } from '../core/config/schema.ts'
import { checkCertificates, checkKeyPair, checkWritableDir } from '../core/config/files.ts'
import { checkListenAddress } from '../core/net/address.ts'
import { loggingSpec } from '../core/logger.ts'
import { outputSpec } from './ship/output-spec.ts'

// The forwarder's whole option table. validate() returns a frozen, fully
// defaulted copy whose type, ForwarderConfig, is derived from the table.

function checkRegExp(value: string): string | void {
  try {
    new RegExp(value)
  } catch (err) {
    return `is not a valid regular expression (${(err as Error).message})`
  }
}

const multilineSpec = {
  type: 'object',
  optional: true,
  doc: 'join continuation lines (stack traces) into one event',
  fields: {
    pattern: { type: 'string', required: true, nonEmpty: true, doc: 'regular expression tested against each line', check: checkRegExp },
    negate: { type: 'bool', default: false, doc: 'true: lines that do NOT match the pattern are continuation lines' },
    match: { type: 'enum', values: ['after', 'before'], default: 'after', doc: 'after: continuation lines join the previous line; before: they join the next line' },
    max_lines: { type: 'int', min: 1, default: 500, doc: 'lines kept per event; further lines are dropped from the message (offsets still advance)' },
    max_bytes: { type: 'size', min: 1, default: '10mb', doc: 'bytes kept per joined message; the rest is cut' },
    timeout: { type: 'duration', min: 1, default: '5s', doc: 'a pending event is sent after this long without a new line' },
  },
} as const satisfies Spec

const inputSpec = {
  type: 'object',
  doc: 'one group of files tailed the same way',
  fields: {
    paths: { type: 'list', of: { type: 'string', nonEmpty: true, doc: 'absolute glob; * ? [..] {a,b} and ** are supported' }, coerce: true, required: true, minItems: 1, doc: 'glob patterns of files to tail', check: (list: readonly string[]) => { const bad = list.find((p) => !p.startsWith('/')); if (bad !== undefined) return `paths must be absolute, got ${JSON.stringify(bad)}` } },
    exclude: { type: 'list', of: { type: 'string', nonEmpty: true, doc: 'glob' }, coerce: true, default: [], doc: 'globs of files never tailed; a pattern without / is matched against the file name' },
    fields: { type: 'map', of: { type: 'any', doc: 'value' }, default: {}, doc: 'extra fields added under `fields`' },
    tags: { type: 'list', of: { type: 'string', doc: 'tag' }, coerce: true, default: [], doc: 'tags added to every event' },
    read_from: { type: 'enum', values: ['beginning', 'end'], default: 'end', doc: 'where to start in the files present at the very first start (no registry yet); files appearing later, and after a restart any file the registry does not know (created during a crash or rotation), are read from the beginning' },
    multiline: multilineSpec,
    max_line_bytes: { type: 'size', min: 16, default: '1mb', doc: 'longest line kept; the rest of a longer line is skipped and counted' },
    close_inactive: { type: 'duration', min: 1, default: '5m', doc: 'close a file handle after this long without new data (reopened when it grows)' },
    ignore_older: { type: 'duration', default: 0, doc: 'skip files whose modification time is older than this (0 = off)' },
    clean_removed: { type: 'bool', default: true, doc: 'forget registry entries of files that no longer exist' },
    scan_frequency: { type: 'duration', min: 100, default: '10s', doc: 'full rescan interval, the safety net behind file-system events' },
    encoding: { type: 'enum', values: ['utf-8', 'utf8'], default: 'utf-8', doc: 'file encoding; invalid bytes become U+FFFD in the message' },
    follow_symlinks: { type: 'bool', default: false, doc: "false (as Filebeat's `symlinks: false`): a symbolic link found by the scan is not read (logged once per path, counted in logyard_forwarder_files_skipped_total{reason=\"symlink\"}) and symlinked directories are not entered; true: the link's target is read, identified by its device and inode (a link and its target share one harvester), if it lies inside symlink_target_dirs" },
    symlink_target_dirs: { type: 'list', of: { type: 'string', nonEmpty: true, doc: 'absolute directory' }, coerce: true, default: [], doc: 'with follow_symlinks: directories a link (to a file or a directory) may lead into besides the fixed directory part of each glob in paths (always allowed); a target elsewhere is skipped, reason="symlink_target"', check: (list: readonly string[]) => { const bad = list.find((p) => !p.startsWith('/')); if (bad !== undefined) return `directories must be absolute, got ${JSON.stringify(bad)}` } },
    scan_max_depth: { type: 'int', min: 1, max: 64, default: 16, doc: 'directory levels a scan descends below the fixed part of a glob (bounds `**`)' },
    scan_max_entries: { type: 'int', min: 100, default: 100000, doc: 'directory entries one scan of this input looks at; the rest is left for the next scan (counted in logyard_forwarder_scan_limited_total)' },
  },
} as const satisfies Spec

export const forwarderSpec = {
  type: 'object',
  doc: 'logyard-forwarder configuration',
  fields: {
    name: { type: 'string', doc: 'host.name and agent.name of the events (default: the hostname)' },
    data_dir: { type: 'string', nonEmpty: true, default: '/var/lib/logyard', doc: 'directory of the registry and the agent id' },
    inputs: { type: 'list', of: inputSpec, required: true, minItems: 1, doc: 'file groups to tail' },
    output: outputSpec,
    max_open_files: { type: 'int', min: 1, default: 1024, doc: 'files held open at once; others wait their turn' },
    registry_flush: { type: 'duration', min: 100, default: '1s', doc: 'shortest interval between registry writes' },
    shutdown_timeout: { type: 'duration', default: '10s', doc: 'on SIGTERM, wait this long for in-flight batches to be acknowledged' },
    max_pending_bytes: { type: 'size', min: 65536, default: '8mb', doc: 'encoded event bytes held before a batch is handed to the output; reading pauses above it' },
    batch_linger: { type: 'duration', default: '100ms', doc: 'a partial batch is sent after this long' },
    batch_bytes: { type: 'size', min: 1024, default: '4mb', doc: 'a batch is cut at this many encoded bytes' },
    http: { type: 'object', optional: true, doc: 'operations endpoint', fields: { listen: { type: 'string', required: true, doc: 'host:port for /healthz, /metrics and /status, e.g. 127.0.0.1:5066', check: checkListenAddress } } },
    read_stall_timeout: { type: 'duration', min: 100, default: '30s', doc: 'a file-system call (open, stat, read) outstanding longer than this marks the reader stalled: /healthz answers 503' },
    logging: loggingSpec,
  },
} as const satisfies Spec

export type ForwarderConfig = Infer<typeof forwarderSpec>
export type InputConfig = Infer<typeof inputSpec>
export type MultilineConfig = NonNullable<InputConfig['multiline']>

/**
 * `--check-config` beyond the schema: output.tls files readable and parseable
 * (cert/key a matching pair), data_dir writable or creatable. Throws a
 * ConfigError naming the full key (exit 2).
 */
export function checkForwarderFiles(config: ForwarderConfig): void {
  const t = config.output.tls
  if (t) {
    checkCertificates(t.ca, 'output.tls.ca')
    if (t.cert !== undefined && t.key !== undefined) checkKeyPair(t.cert, t.key, 'output.tls.cert', 'output.tls.key')
  }
  checkWritableDir(config.data_dir, 'data_dir')
}
