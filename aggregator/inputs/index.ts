import type { Infer, Spec } from '../../core/config/schema.ts'
import type { Logger } from '../../core/logger.ts'
import type { MetricsRegistry } from '../../core/metrics.ts'
import type { InputSetup } from '../app.ts'
import { registry, sectionFields, typeList, type InputComponent } from '../component.ts'
import { beatsInput } from './beats/beats-input.ts'
import { collectdInput } from './collectd/collectd-input.ts'

// The input registry and the `inputs:` section built from it: one optional
// key per input type, at least one configured.

/** Every input type `inputs:` may name, in the order the configuration reference lists them. */
export const inputComponents = registry(beatsInput, collectdInput)

export const inputsSpec = {
  type: 'object',
  doc: 'where events come from (at least one)',
  fields: sectionFields(inputComponents),
  check: (v: Readonly<Record<string, unknown>>) => {
    if (Object.keys(inputComponents).every((type) => v[type] === undefined)) return `configure at least one input: ${typeList(inputComponents)}`
  },
} as const satisfies Spec

/** The inputs the validated `inputs:` section configures, in registry order, for the Aggregator to build around its deliver(). */
export function configuredInputs(section: Infer<typeof inputsSpec>, deps: { logger: Logger; metrics: MetricsRegistry }): InputSetup[] {
  const out: InputSetup[] = []
  for (const component of Object.values<InputComponent<any, keyof typeof section>>(inputComponents)) {
    const options = section[component.type]
    if (options !== undefined) out.push({ type: component.type, create: (deliver) => component.create(options, { ...deps, deliver }) })
  }
  return out
}
