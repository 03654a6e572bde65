import { describe, expect, it } from 'vitest'
import { locateNearest, locatePath, parsePath } from './jsonPath'

const doc = JSON.stringify(
  { version: 3, weights: { flow: 15, credit: 25 }, rules: [{ id: 'V1', reason: 'a' }, { id: 'V2', reason: 'b "q"' }] },
  null,
  2,
)

describe('parsePath', () => {
  it('accepts dotted, bracketed, pointer and $ forms', () => {
    expect(parsePath('rules[1].reason')).toEqual(['rules', '1', 'reason'])
    expect(parsePath('rules.1.reason')).toEqual(['rules', '1', 'reason'])
    expect(parsePath('/rules/1/reason')).toEqual(['rules', '1', 'reason'])
    expect(parsePath('$.weights.flow')).toEqual(['weights', 'flow'])
  })
})

describe('locatePath', () => {
  it('finds the line of a nested key', () => {
    const lines = doc.split('\n')
    const hit = locatePath(doc, 'weights.credit')!
    expect(lines[hit.line - 1]).toContain('"credit": 25')
  })
  it('finds array elements', () => {
    const lines = doc.split('\n')
    const hit = locatePath(doc, 'rules[1].reason')!
    expect(lines[hit.line - 1]).toContain('b \\"q\\"')
  })
  it('returns null for a missing path or bad JSON', () => {
    expect(locatePath(doc, 'weights.nope')).toBeNull()
    expect(locatePath('{ bad', 'a')).toBeNull()
  })
  it('falls back to the nearest ancestor', () => {
    const hit = locateNearest(doc, 'weights.nope')!
    expect(hit.exact).toBe(false)
    expect(doc.split('\n')[hit.line - 1]).toContain('"weights"')
  })
})
