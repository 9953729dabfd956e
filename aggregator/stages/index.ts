import { registry } from '../component.ts'
import { dateStage } from './date/date.ts'
import { dropStage } from './drop.ts'
import { grokStage } from './grok/grok.ts'
import { jsonStage } from './json.ts'
import { mutateStage } from './mutate.ts'

// Every stage type the pipeline config may name, in the order errors list them.
export const stageComponents = registry(grokStage, jsonStage, dateStage, mutateStage, dropStage)
