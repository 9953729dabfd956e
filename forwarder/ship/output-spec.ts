// The forwarder's `output` section is exactly the Lumberjack client's option table.
export { lumberjackClientSpec as outputSpec, type ClientOptions as OutputOptions } from '../../core/lumberjack/client.ts'
