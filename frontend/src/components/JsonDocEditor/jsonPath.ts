/**
 * Finds the 1-based line and character offset where the value at `path` starts in a JSON text.
 * `path` like "weights.flow", "rules[3].reason", "rules.3.reason", "/rules/3/reason" or "$.rules[3]".
 * Returns null when the path is not in the text (or the text is not valid JSON).
 */
export function parsePath(path: string): string[] {
  return path
    .replace(/^\$\.?/, '')
    .replace(/^\//, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .replace(/\[["']([^"']+)["']\]/g, '.$1')
    .split(/[./]/)
    .filter(Boolean)
}

export function locatePath(text: string, path: string | string[]): { line: number; offset: number } | null {
  const want = (Array.isArray(path) ? path : parsePath(path)).join('\u0000')
  let i = 0
  let found: number | null = null

  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++
  }
  const str = (): string => {
    // assumes text[i] === '"'
    let out = ''
    i++
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        out += text[i + 1]
        i += 2
      } else out += text[i++]
    }
    i++
    return out
  }
  const value = (p: string[]): void => {
    ws()
    if (p.join('\u0000') === want && found == null) found = i
    const c = text[i]
    if (c === '{') {
      i++
      ws()
      if (text[i] === '}') {
        i++
        return
      }
      for (;;) {
        ws()
        if (text[i] !== '"') throw new Error('key')
        const keyStart = i
        const k = str()
        if ([...p, k].join('\u0000') === want && found == null) found = keyStart
        ws()
        if (text[i++] !== ':') throw new Error(':')
        value([...p, k])
        ws()
        if (text[i] === ',') i++
        else if (text[i] === '}') {
          i++
          return
        } else throw new Error('}')
      }
    } else if (c === '[') {
      i++
      ws()
      if (text[i] === ']') {
        i++
        return
      }
      for (let n = 0; ; n++) {
        value([...p, String(n)])
        ws()
        if (text[i] === ',') i++
        else if (text[i] === ']') {
          i++
          return
        } else throw new Error(']')
      }
    } else if (c === '"') {
      str()
    } else {
      while (i < text.length && /[^,\]}\s]/.test(text[i])) i++
    }
  }
  try {
    value([])
  } catch {
    return null
  }
  if (found == null) return null
  const offset: number = found
  return { line: text.slice(0, offset).split('\n').length, offset }
}

/** The deepest existing ancestor of `path` (so an error about a missing key still points somewhere). */
export function locateNearest(text: string, path: string): { line: number; offset: number; exact: boolean } | null {
  const parts = parsePath(path)
  for (let n = parts.length; n >= 0; n--) {
    const hit = locatePath(text, parts.slice(0, n))
    if (hit) return { ...hit, exact: n === parts.length }
  }
  return null
}
