// Staleness test: regenerates the TS client from openapi.json into a temp file and fails when
// the committed src/api/schema.gen.d.ts differs.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const committed = join(root, 'src/api/schema.gen.d.ts')
const dir = mkdtempSync(join(tmpdir(), 'check-gen-'))
try {
  const fresh = join(dir, 'schema.gen.d.ts')
  execFileSync(process.execPath, [join(root, 'scripts/gen-api.mjs'), '--out', fresh], { stdio: 'inherit' })
  if (!existsSync(committed)) {
    console.error('check:gen: src/api/schema.gen.d.ts is missing; run `npm run gen:api`')
    process.exit(1)
  }
  if (readFileSync(committed, 'utf8') !== readFileSync(fresh, 'utf8')) {
    console.error('check:gen: src/api/schema.gen.d.ts is stale relative to openapi.json; run `npm run gen:api` and commit both')
    process.exit(1)
  }
  console.log('check:gen: src/api/schema.gen.d.ts is up to date')
} finally {
  rmSync(dir, { recursive: true, force: true })
}
