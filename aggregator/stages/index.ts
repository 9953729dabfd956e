import type { StageModule } from '../component.ts'
import { dateStage } from './date/date.ts'
import { dropStage } from './drop.ts'
import { grokStage } from './grok/grok.ts'
import { jsonStage } from './json.ts'
import { mutateStage } from './mutate.ts'

// Every stage type the pipeline config may name, in the order errors list them.
export const stageModules: readonly StageModule[] = [grokStage, jsonStage, dateStage, mutateStage, dropStage]
