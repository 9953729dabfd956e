import type { StageModule } from '../pipeline/stage.ts'
import { dateStage } from './date.ts'
import { dropStage } from './drop.ts'
import { jsonStage } from './json.ts'
import { mutateStage } from './mutate.ts'

// Every stage type the pipeline config may name, in the order --help lists them.
export const stageModules: readonly StageModule[] = [jsonStage, dateStage, mutateStage, dropStage]
