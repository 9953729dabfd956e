import { createRequire } from 'node:module'

// node:tls through require, not an ESM import: the ESM facade reads every
// export, and the `rootCertificates` getter then builds the ~140 bundled CA
// certificates as strings (~180 KiB of heap) that logyard never uses.
export const tls = createRequire(import.meta.url)('node:tls') as typeof import('node:tls')
