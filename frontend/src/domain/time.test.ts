import { describe, expect, it } from 'vitest'
import { dateText, dateTimeText } from './time'

describe('dateTimeText', () => {
  it('shows local minutes and a dash for nothing or garbage', () => {
    const t = new Date(2026, 11, 2, 9, 5).toISOString()
    expect(dateTimeText(t)).toBe('2026-12-02 09:05')
    expect(dateText(t)).toBe('2026-12-02')
    expect(dateTimeText(null)).toBe('—')
    expect(dateTimeText('yesterday')).toBe('—')
  })
})
