import { describe, expect, it } from 'vitest'
import dayjs from 'dayjs'
import { consentBody, initialInlineConsent, sensitiveKinds } from './CustomerConsentSection'

describe('the inline consent of a new customer', () => {
  it('finds the sensitive kinds from the catalogue groups, in vocabulary order', () => {
    expect(sensitiveKinds({ name: '甲', annual_tax_wan: 3 })).toEqual([])
    expect(sensitiveKinds({ monthly_flow_wan: 10, current_overdue: false })).toEqual(['credit_report', 'bank_flow'])
    expect(sensitiveKinds({ inquiries_1m: null, personal_receipts_wan: '' })).toEqual([])
  })

  it('is sent only when ticked, with the entered kinds unless chosen by hand', () => {
    const c = { ...initialInlineConsent(), obtained_on: dayjs('2026-03-01') }
    expect(consentBody(c, ['bank_flow'])).toBeUndefined()
    expect(consentBody({ ...c, on: true }, ['bank_flow'])).toEqual({
      purposes: ['assessment'],
      data: ['bank_flow'],
      method: 'paper',
      obtained_on: '2026-03-01',
    })
    expect(consentBody({ ...c, on: true, data: ['id_document'] }, ['bank_flow'])?.data).toEqual(['id_document'])
    expect(consentBody({ ...c, on: true }, [])?.data).toEqual(['credit_report', 'bank_flow'])
  })
})
