// Reports the gzip size of the JS the login page loads at first: the entry chunk, the login route
// chunk and everything they import statically (from dist/.vite/manifest.json). Fails above the budget.
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const BUDGET_KB = 400
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist')
const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8'))
const entry = Object.entries(manifest).find(([, c]) => c.isEntry)
const login = Object.entries(manifest).find(([k]) => k.endsWith('src/pages/login/index.tsx'))
if (!entry || !login) throw new Error('entry or login chunk not found in the manifest')
const seen = new Set()
const walk = (key) => {
  if (seen.has(key)) return
  seen.add(key)
  for (const i of manifest[key].imports ?? []) walk(i)
}
walk(entry[0])
walk(login[0])
let total = 0
for (const key of seen) {
  const file = manifest[key].file
  if (!file.endsWith('.js')) continue
  const gz = gzipSync(readFileSync(join(dist, file))).length
  total += gz
  console.log(`${(gz / 1024).toFixed(1).padStart(8)} KB  ${file}`)
}
console.log(`login page initial JS: ${(total / 1024).toFixed(1)} KB gzip (budget ${BUDGET_KB} KB)`)
if (total / 1024 > BUDGET_KB) process.exit(1)
