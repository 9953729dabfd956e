import type { StageModule } from '../pipeline/stage.ts'
import { dateStage } from './date.ts'
import { dropStage } from './drop.ts'
import { grokStage } from './grok.ts'
import { jsonStage } from './json.ts'
import { mutateStage } from './mutate.ts'

// Every stage type the pipeline config may name, in the order errors list them.
export const stageModules: readonly StageModule[] = [grokStage, jsonStage, dateStage, mutateStage, dropStage]
