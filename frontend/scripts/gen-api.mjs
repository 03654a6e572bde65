// Generates src/api/schema.gen.d.ts (or --out <file>) from openapi.json with openapi-typescript.
// The spec is parsed with JSON.parse first: poem-openapi can emit a response status twice in one
// operation (e.g. an endpoint's own 400 plus the shared error's 400), which the YAML-based
// parser of openapi-typescript rejects as a duplicated key. JSON semantics (last one wins) apply.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const i = process.argv.indexOf('--out')
const out = i > 0 ? resolve(process.argv[i + 1]) : join(root, 'src/api/schema.gen.d.ts')

const spec = JSON.parse(readFileSync(join(root, 'openapi.json'), 'utf8'))
const dir = mkdtempSync(join(tmpdir(), 'gen-api-'))
try {
  const normalised = join(dir, 'openapi.json')
  writeFileSync(normalised, JSON.stringify(spec, null, 1))
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/openapi-typescript/bin/cli.js'), normalised, '--read-write-markers', '-o', out],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  )
} finally {
  rmSync(dir, { recursive: true, force: true })
}
