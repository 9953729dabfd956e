import { Client } from '@opensearch-project/opensearch'
import { attach, distributionHome, startNode, type ClientFactory, type Distribution, type ElasticsearchInstance, type ElasticsearchOptions } from './elasticsearch.ts'

// A real OpenSearch for tests, benches and the demo, run by the same harness
// as Elasticsearch (test/helpers/elasticsearch.ts: download once from Maven
// Central, sha512-verified, cached in LOGYARD_CACHE; one node on 127.0.0.1
// with ephemeral ports, a temp data dir, a 512 MiB heap; halt/resume/freeze).
//
// The integ-test-zips (`org.opensearch.distribution.integ-test-zip:opensearch`)
// have no security plugin: no auth, no TLS, security is simply off. 2.19.6
// holds the server and transport-netty4 only; 3.6.0 also carries the stock
// modules (mapper-extras, analysis-common, ingest-common, ...). Maven Central's
// metadata lists 3.6.0 as the newest 3.x integ-test-zip (3.7+ are not there).
//
// Java: 2.19.x runs on JDK 17 (it still installs the security manager, which
// JDK 24 removed: at most 23); 3.x needs JDK 21 or later (the Temurin 25 JDK
// under /usr/lib/jvm). OPENSEARCH_JAVA_HOME is tried first, and skipped when it
// is outside the version's range (so one setting serves both).
//
// `OPENSEARCH_URL` set → nothing is started for calls without settings: the
// cluster at that URL is used.

const OPENSEARCH_2_VERSION = '2.19.6'
const OPENSEARCH_3_VERSION = '3.6.0'

function distribution(version: string): Distribution {
  const major = Number(version.split('.')[0])
  return {
    product: 'opensearch',
    title: `OpenSearch ${version}`,
    version,
    url: `https://repo1.maven.org/maven2/org/opensearch/distribution/integ-test-zip/opensearch/${version}/opensearch-${version}.zip`,
    envPrefix: 'OPENSEARCH',
    java: major >= 3 ? { min: 21, max: 99 } : { min: 11, max: 23 },
  }
}

const OPENSEARCH_2 = distribution(OPENSEARCH_2_VERSION)
const OPENSEARCH_3 = distribution(OPENSEARCH_3_VERSION)

type OpenSearchInstance = ElasticsearchInstance<Client>

interface OpenSearchOptions extends Omit<ElasticsearchOptions, 'security' | 'tls'> {
  /** '2' (2.19.x, default) or '3' (3.x), or an exact version published on Maven Central. */
  version?: string
}

const osClients: ClientFactory<Client> = {
  make: (url, auth, ca) => new Client({ node: url, auth, requestTimeout: 60_000, ssl: ca ? { ca } : undefined }),
  close: (c) => c.close(),
}

function pick(version: string | undefined): Distribution {
  if (version === undefined || version === '2') return OPENSEARCH_2
  if (version === '3') return OPENSEARCH_3
  return distribution(version)
}

/** Unpacks (downloading once) the given OpenSearch; returns its home dir. */
function openSearchHome(version?: string): Promise<string> {
  return distributionHome(pick(version))
}

/**
 * Starts an OpenSearch node (or attaches to OPENSEARCH_URL) and waits for
 * yellow health. Always pair with `stop()`. Throws with the node's log tail
 * when it cannot start: tests never skip.
 */
export async function startOpenSearch(options: OpenSearchOptions = {}): Promise<OpenSearchInstance> {
  const dist = pick(options.version)
  const externalUrl = process.env.OPENSEARCH_URL
  if (externalUrl && !options.settings) return attach(dist, externalUrl, osClients)
  const { version: _v, ...rest } = options
  return startNode(dist, rest, osClients)
}

// `node test/helpers/opensearch.ts [2|3|VERSION]`: start a node, print its URL,
// stop on SIGINT/SIGTERM. `--fetch` only downloads and unpacks 2.x and 3.x
// (.ci/run uses it to fill the cache).
if (import.meta.main) {
  const arg = process.argv[2]
  if (arg === '--fetch') {
    for (const v of ['2', '3']) process.stdout.write(`opensearch home: ${await openSearchHome(v)}\n`)
  } else {
    const os = await startOpenSearch({ version: arg })
    process.stdout.write(`${os.url}\n`)
    const done = (): void => {
      void os.stop().then(() => process.exit(0))
    }
    process.once('SIGINT', done)
    process.once('SIGTERM', done)
    setInterval(() => {}, 1 << 30)
  }
}
