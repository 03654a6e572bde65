import { describe, expect, it, vi } from 'vitest'
import { screen } from '@testing-library/react'
import ReportPage from './index'
import { setToken } from '../../auth/token'
import { branding, mockApi, renderApp } from '../../test/utils'

vi.mock('../../components/charts/ScoreRadar', () => ({ ScoreRadar: () => <div data-testid="radar" /> }))

const scores = { flow: 85, invoice_tax: 40, credit: 70, assets: 30, qualification: 90, industry: 95 }
const diagnosis = {
  id: 5,
  customer_id: 9,
  rules_version: 3,
  created_at: '2026-11-20T10:00:00Z',
  scores,
  total: 66.5,
  category: 'B',
  findings: [
    { rule_id: 'TAX_AMT', dimension: 'invoice_tax', points: -20, reason: '近12个月纳税不足3万，达不到主流税贷门槛' },
    { rule_id: 'FLOW', dimension: 'flow', points: 85, reason: '对公流水月均：60万元' },
  ],
  vetoes: [],
  caps: [{ id: 'K2_3M', reason: '近3个月征信查询超过6次' }],
  missing_fields: ['card_utilization_pct'],
  products: [
    { product_id: 'invoice_loan', name: '票贷（通用）', family: 'invoice_loan', is_example: false, eligible: true, estimated_wan: 80 },
    { product_id: 'tax_loan', name: '税贷（通用）', family: 'tax_loan', is_example: false, eligible: false, estimated_wan: 0, blocking_gate: 'min_annual_tax', blocking_reason: '近12个月纳税额2万元，低于产品门槛3万元' },
  ],
  recommended_wan: 80,
  verdict: '目前可申请票贷类产品，预计额度 80 万元',
}
const plan = (id: number, title: string, inc: number) => ({
  id,
  customer_id: 9,
  diagnosis_id: 5,
  status: 'pending',
  kind: 'tax_increase',
  title,
  gap: '',
  changes: [{ field: 'annual_tax_wan', label: '年纳税', from: '2万元', to: '3万元' }],
  tasks: [],
  provider_category: 'tax_agency',
  providers: [],
  cost_min_wan: 0,
  cost_max_wan: 1,
  months_to_effect: 6,
  estimated_increase_wan: inc,
  recommended_before_wan: 80,
  recommended_after_wan: 80 + inc,
  category_before: 'B',
  category_after: 'A',
  total_before: 66.5,
  total_after: 78,
  fixes_vetoes: [],
  product_changes: [],
  created_at: '',
  updated_at: '',
})

describe('ReportPage', () => {
  it('renders the client report: brand, verdict, blocked gate in words, plans by increase, disclaimer', async () => {
    setToken('t')
    mockApi({
      'GET /api/branding': branding,
      'GET /api/auth/me': { id: 1, username: 'li', display_name: '小李', role: 'staff', must_change_password: false },
      'GET /api/diagnoses/5': diagnosis,
      'GET /api/customers/9': { id: 9, name: '宁波测试有限公司', uscc: '91330200MA0000000X', collaterals: [], stage: 'diagnosed', created_at: '', updated_at: '', loan_demand_wan: 200 },
      'GET /api/customers/9/plans': [plan(1, '纳税提升', 30), plan(2, '开票提升', 120)],
    })
    renderApp(<ReportPage />, { route: '/diagnoses/5/report', path: '/diagnoses/:id/report' })
    expect(await screen.findByText('目前可申请票贷类产品，预计额度 80 万元')).toBeTruthy()
    expect(screen.getByTestId('report-brand').textContent).toBe('测试助贷')
    expect(screen.getByTestId('report-category').textContent).toBe('B')
    expect(screen.getByText('近12个月纳税额2万元，低于产品门槛3万元')).toBeTruthy()
    expect(screen.getByText(/不构成任何金融机构的授信承诺/)).toBeTruthy()
    expect(screen.getByText('信用卡使用率（%）')).toBeTruthy()
    const rows = await screen.findAllByText(/^(纳税提升|开票提升)$/)
    expect(rows.map((r) => r.textContent)).toEqual(['开票提升', '纳税提升'])
    expect(screen.getByText(/规则版本 v3/)).toBeTruthy()
  })
})
