// Staleness test: regenerate the TS client from openapi.json into a temp file and
// fail when it differs from the committed src/api/schema.gen.d.ts.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const committed = join(root, 'src/api/schema.gen.d.ts')
const dir = mkdtempSync(join(tmpdir(), 'check-gen-'))
const fresh = join(dir, 'schema.gen.d.ts')
try {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/openapi-typescript/bin/cli.js'), join(root, 'openapi.json'), '--read-write-markers', '-o', fresh],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  )
  let old = ''
  try {
    old = readFileSync(committed, 'utf8')
  } catch {
    console.error('check:gen: src/api/schema.gen.d.ts is missing; run `npm run gen:api`')
    process.exit(1)
  }
  if (old !== readFileSync(fresh, 'utf8')) {
    console.error('check:gen: src/api/schema.gen.d.ts is stale relative to openapi.json; run `npm run gen:api` and commit')
    process.exit(1)
  }
  console.log('check:gen: src/api/schema.gen.d.ts is up to date')
} finally {
  rmSync(dir, { recursive: true, force: true })
}
