import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomic } from '../core/fs/atomic-write.ts'

// agent.id: a UUID made on the first start and kept in data_dir/agent.json,
// like Filebeat's meta.json, so the same host keeps the same id.

export async function loadAgentId(dataDir: string, onWriteError: (err: unknown) => void = () => {}): Promise<string> {
  const file = join(dataDir, 'agent.json')
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as { id?: unknown }
    if (typeof data.id === 'string' && data.id.length > 0) return data.id
  } catch {
    /* absent or unreadable: make a new one */
  }
  const id = randomUUID()
  try {
    await writeFileAtomic(file, JSON.stringify({ id, created: new Date().toISOString() }) + '\n')
  } catch (err) {
    // Full disk or read-only data_dir: run with this id now, persist it next start.
    onWriteError(err)
  }
  return id
}
