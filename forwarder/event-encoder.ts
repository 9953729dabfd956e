import { ECS_VERSION } from '../core/event.ts'

// Filebeat-shaped event JSON, built by concatenation (style.md §G.1). Per
// file the static part (path, input, host, agent, fields, tags) is serialized
// once; per event only @timestamp, @metadata._id, message and log.offset are
// new. `@timestamp` first and `@metadata` second, as libbeat writes them.

export interface AgentInfo {
  name: string
  id: string
  version: string
}

export interface StaticParts {
  fields: Readonly<Record<string, unknown>>
  tags: readonly string[]
}

export class EventEncoder {
  readonly #head: string // '","@metadata":{...,"_id":"'
  readonly #afterId: string
  #tail = ''
  #multilineTail = ''
  #truncatedTail = ''
  #bothTail = ''
  #idPrefix = ''

  constructor(agent: AgentInfo, parts: StaticParts, path: string, fileId: string) {
    this.#head = `","@metadata":{"beat":"logyard","type":"_doc","version":${JSON.stringify(agent.version)},"_id":"`
    this.#afterId = '"},"message":'
    this.#build(agent, parts, path, fileId)
  }

  #agent!: AgentInfo
  #parts!: StaticParts

  #build(agent: AgentInfo, parts: StaticParts, path: string, fileId: string): void {
    this.#agent = agent
    this.#parts = parts
    this.#idPrefix = fileId + '-'
    const common =
      `},"input":{"type":"log"},"ecs":{"version":"${ECS_VERSION}"},"host":{"name":${JSON.stringify(agent.name)}}` +
      `,"agent":{"type":"logyard-forwarder","version":${JSON.stringify(agent.version)},"name":${JSON.stringify(agent.name)},"id":${JSON.stringify(agent.id)}}` +
      (Object.keys(parts.fields).length > 0 ? `,"fields":${JSON.stringify(parts.fields)}` : '') +
      (parts.tags.length > 0 ? `,"tags":${JSON.stringify(parts.tags)}` : '') +
      '}'
    const file = `,"file":{"path":${JSON.stringify(path)}}`
    this.#tail = file + common
    this.#multilineTail = file + ',"flags":["multiline"]' + common
    this.#truncatedTail = file + ',"flags":["truncated"]' + common
    this.#bothTail = file + ',"flags":["multiline","truncated"]' + common
  }

  /** The file was renamed: later events carry the new path. */
  setPath(path: string): void {
    this.#build(this.#agent, this.#parts, path, this.#idPrefix.slice(0, -1))
  }

  /** The deterministic document id of the event starting at `offset`. */
  id(offset: number): string {
    return this.#idPrefix + offset.toString(16)
  }

  /** One event as JSON. `timestamp` is an ISO string shared by the lines of one read. */
  encode(timestamp: string, message: string, offset: number, multiline: boolean, truncated: boolean): string {
    const tail = multiline ? (truncated ? this.#bothTail : this.#multilineTail) : truncated ? this.#truncatedTail : this.#tail
    return '{"@timestamp":"' + timestamp + this.#head + this.#idPrefix + offset.toString(16) + this.#afterId + JSON.stringify(message) + ',"log":{"offset":' + offset + tail
  }
}
