import { checkCertificates } from '../../../core/config/files.ts'
import type { OutputComponent } from '../../component.ts'
import { elasticsearchOutputSpec, opensearchOutputSpec } from './es-config.ts'
import { ElasticsearchOutput } from './es-sink.ts'

// `output.elasticsearch` and `output.opensearch`: one bulk loop (es-sink.ts)
// behind two components; the product picks the client (bulk-transport.ts).

function checkCa(options: { readonly tls: { readonly ca?: string } }, key: string): void {
  if (options.tls.ca !== undefined) checkCertificates(options.tls.ca, `${key}.tls.ca`)
}

export const elasticsearchOutput: OutputComponent<typeof elasticsearchOutputSpec, 'elasticsearch'> = {
  kind: 'output',
  type: 'elasticsearch',
  spec: elasticsearchOutputSpec,
  checkFiles: checkCa,
  create: (options, ctx) => ElasticsearchOutput.create(options, ctx),
}

export const opensearchOutput: OutputComponent<typeof opensearchOutputSpec, 'opensearch'> = {
  kind: 'output',
  type: 'opensearch',
  spec: opensearchOutputSpec,
  checkFiles: checkCa,
  create: (options, ctx) => ElasticsearchOutput.create(options, { ...ctx, product: 'opensearch' }),
}
