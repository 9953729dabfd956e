import t from 'tap'
import { validate, type Spec } from '../../core/config/schema.ts'
import { LogyardError } from '../../core/errors.ts'
import { registry, sectionFields, typeList, type OutputComponent } from '../../aggregator/component.ts'
import { aggregatorSpec } from '../../aggregator/config.ts'
import { inputComponents, inputsSpec } from '../../aggregator/inputs/index.ts'
import { outputComponents, outputSpec } from '../../aggregator/outputs/index.ts'
import { stageComponents } from '../../aggregator/stages/index.ts'

// The component contract: one registry per role, keyed by type, and the
// config sections built from them.

t.test('every registry is keyed by its components\' types and holds only its role', async (t) => {
  for (const [role, components] of [['input', inputComponents], ['stage', stageComponents], ['output', outputComponents]] as const) {
    t.ok(Object.keys(components).length > 0, `${role}s registered`)
    for (const [key, component] of Object.entries(components)) {
      t.equal(component.type, key, `${role} ${key} is registered under its type`)
      t.equal(component.kind, role, `${key} is an ${role}`)
      t.equal(component.spec.type, 'object', `${key} has an option table`)
      t.type(component.create, 'function', `${key} can be created`)
    }
  }
  t.same(Object.keys(inputComponents), ['beats', 'collectd'])
  t.same(Object.keys(stageComponents), ['grok', 'json', 'date', 'mutate', 'drop'])
  t.same(Object.keys(outputComponents), ['elasticsearch', 'opensearch', 'file', 'blackhole'])
})

t.test('the inputs: and output: sections are the registries', async (t) => {
  const fields = (aggregatorSpec as { fields: Record<string, Spec> }).fields
  t.equal(fields.inputs, inputsSpec)
  t.equal(fields.output, outputSpec)
  t.same(Object.keys(inputsSpec.fields), Object.keys(inputComponents))
  t.same(Object.keys(outputSpec.fields), Object.keys(outputComponents))
  for (const [type, c] of Object.entries(outputComponents)) t.equal((outputSpec.fields as Record<string, Spec>)[type]!.doc, c.spec.doc, `output.${type} documents itself`)
  t.throws(() => validate(inputsSpec, {}, 'inputs'), { code: 'LY_CONFIG', message: 'inputs: configure at least one input: beats or collectd' })
  t.throws(() => validate(outputSpec, {}, 'output'), { code: 'LY_CONFIG', message: 'output: configure at least one output: elasticsearch, opensearch, file or blackhole' })
  const only = validate(outputSpec, { blackhole: {} }, 'output')
  t.same(Object.keys(only).filter((k) => only[k as keyof typeof only] !== undefined), ['blackhole'], 'unconfigured outputs stay unset')
})

t.test('a new component is one object and one registry line', async (t) => {
  const nullSpec = { type: 'object', doc: 'discard', fields: { note: { type: 'string', doc: 'a note', default: 'none' } } } as const satisfies Spec
  const created: string[] = []
  const nullOutput: OutputComponent<typeof nullSpec, 'null'> = {
    kind: 'output',
    type: 'null',
    spec: nullSpec,
    create: (options) => {
      created.push(options.note)
      return null as never
    },
  }
  const components = registry(nullOutput, outputComponents.blackhole)
  t.same(Object.keys(components), ['null', 'blackhole'])
  t.ok(Object.isFrozen(components))
  t.equal(typeList(components), 'null or blackhole')
  t.equal(typeList({ a: 1, b: 2, c: 3 }), 'a, b or c')
  const section = { type: 'object', doc: 'outputs', fields: sectionFields(components) } as const satisfies Spec
  const v = validate(section, { null: {} }, 'output')
  t.same(v.null, { note: 'none' }, 'defaults filled from the component\'s table')
  t.equal(v.blackhole, undefined, 'each component key is optional')
  await components.null.create(v.null!, { logger: null as never, metrics: null as never, deadLetter: null as never })
  t.same(created, ['none'])
  const err = t.throws(() => validate(section, { null: { nope: 1 } }, 'output')) as LogyardError
  t.match(err.message, /output\.null\.nope/)
})
