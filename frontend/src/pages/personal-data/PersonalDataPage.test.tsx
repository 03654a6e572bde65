import { describe, expect, it } from 'vitest'
import { screen } from '@testing-library/react'
import PersonalDataPage from '.'
import { setToken } from '../../auth/token'
import { branding, mockApi, renderApp } from '../../test/utils'

const data = {
  customer_id: 9,
  generated_at: '2026-12-04T02:00:00Z',
  created_at: '2026-12-01T02:00:00Z',
  updated_at: '2026-12-02T02:00:00Z',
  deleted_at: null,
  facts: [
    { key: 'name', label: '企业名称', group: 'basic', personal: false, value: '宁波查阅测试有限公司' },
    { key: 'legal_person', label: '法人', group: 'basic', personal: true, value: '王查阅' },
    { key: 'tax_grade', label: '纳税信用等级', group: 'invoice_tax', personal: false, value: 'A' },
    { key: 'current_overdue', label: '当前逾期', group: 'credit', personal: false, value: false },
    { key: 'contact_phone', label: '联系电话', group: 'follow', personal: true, value: null },
  ],
  collaterals: [],
  diagnoses: [],
  plans: [],
  follow_ups: [{ id: 1, customer_id: 9, customer_name: '宁波查阅测试有限公司', contacted_at: '2026-12-03T02:00:00Z', channel: 'wechat', content: '微信沟通查阅请求', done: false }],
  applications: [],
  agreements: [],
  documents: [],
  consents: [
    {
      id: 3, customer_id: 9, purposes: ['assessment', 'lender_submission'], data: ['credit_report'], method: 'paper',
      obtained_on: '2026-12-01', recorded_by_name: '管理员', created_at: '2026-12-01T02:00:00Z',
      withdrawn_at: '2026-12-03T02:00:00Z', withdraw_reason: '客户来电撤回', valid: false,
    },
  ],
  audit: [{ id: 5, at: '2026-12-04T02:00:00Z', username: 'admin', action: 'personal_data.access', resource_type: 'customer', resource_id: '9' }],
}

describe('PersonalDataPage', () => {
  it('shows every fact with its label and values in the broker’s words, and the audited access', async () => {
    setToken('t')
    mockApi({ 'GET /api/branding': branding, 'GET /api/customers/9/personal-data': data })
    renderApp(<PersonalDataPage />, { route: '/customers/9/personal-data', path: '/customers/:id/personal-data' })
    const page = await screen.findByTestId('personal-data', {}, { timeout: 10_000 })
    const text = page.textContent ?? ''
    expect(text).toContain('宁波查阅测试有限公司')
    expect(text).toContain('王查阅')
    expect(text).toContain('未填写')
    expect(text).toContain('微信沟通查阅请求')
    expect(text).toContain('查阅个人信息')
    expect(text).not.toContain('personal_data.access')
    expect(text).not.toContain('wechat')
    expect(text).toContain('诊断评估、向金融机构提交')
    expect(text).toContain('已撤回（2026-12-03 02:00，客户来电撤回）')
    expect(text).toContain('客户 #9')
    expect(text).not.toContain('customer #')
    expect(screen.getByTestId('personal-data-download')).toBeTruthy()
  })
})
