import { describe, expect, it } from 'vitest'
import { APPLICATION_STATUS_OPTIONS, nextStatuses, statusLabel } from './api'

describe('application statuses', () => {
  it('come from the vocabulary with their Chinese labels', () => {
    expect(APPLICATION_STATUS_OPTIONS.map((o) => o.label)).toEqual(['准备中', '已进件', '审批中', '已批复', '已放款', '已结清', '已拒绝', '客户放弃'])
    expect(statusLabel('disbursed')).toBe('已放款')
  })
  it('move forward, or out to 已拒绝/客户放弃 before the money goes out', () => {
    expect(nextStatuses('preparing')).toEqual(['submitted', 'reviewing', 'approved', 'disbursed', 'settled', 'rejected', 'withdrawn'])
    expect(nextStatuses('approved')).toEqual(['disbursed', 'settled', 'rejected', 'withdrawn'])
    expect(nextStatuses('disbursed')).toEqual(['settled'])
    for (const s of ['settled', 'rejected', 'withdrawn'] as const) expect(nextStatuses(s)).toEqual([])
  })
})
