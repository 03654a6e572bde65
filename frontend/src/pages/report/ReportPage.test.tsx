import { describe, expect, it, vi } from 'vitest'
import { screen, within } from '@testing-library/react'
import ReportPage from './index'
import { setToken } from '../../auth/token'
import type { Diagnosis, Plan } from '../../api/types'
import { branding, mockApi, renderApp } from '../../test/utils'
import {
  combinedDiagnosis,
  incompleteDiagnosis,
  internalIdsIn,
  plan,
  repairableDiagnosis,
  scenarioPlan,
  unlockPlan,
} from '../../components/diagnosis/fixtures'

vi.mock('../../components/charts/ScoreRadar', () => ({ ScoreRadar: () => <div data-testid="radar" /> }))

const customer = { id: 9, name: '宁波测试有限公司', uscc: '91330200MA0000000X', collaterals: [], stage: 'diagnosed', created_at: '', updated_at: '', loan_demand_wan: 200 }

function open(diagnosis: Diagnosis, plans: Plan[] = []) {
  setToken('t')
  mockApi({
    'GET /api/branding': branding,
    'GET /api/auth/me': { id: 1, username: 'li', display_name: '小李', role: 'staff', must_change_password: false },
    [`GET /api/diagnoses/${diagnosis.id}`]: diagnosis,
    'GET /api/customers/9': customer,
    'GET /api/customers/9/plans': plans,
  })
  renderApp(<ReportPage />, { route: `/diagnoses/${diagnosis.id}/report`, path: '/diagnoses/:id/report' })
}

describe('ReportPage', () => {
  it('shows the combined amount with its composition, single best, binding cap and each product row', async () => {
    // The API returns plans in the engine's order (value for cost and time); the report keeps it
    // even though the second plan has the larger increase.
    const other = plan({ id: 3, kind: 'credit_repair', title: '征信优化', headline: '综合额度 +5万', diagnosis_id: 4, estimated_increase_wan: 5 })
    open(combinedDiagnosis, [unlockPlan, scenarioPlan, other])
    expect(await screen.findByText(combinedDiagnosis.verdict)).toBeTruthy()
    expect(screen.getByTestId('report-brand').textContent).toBe('测试助贷')
    expect(screen.getByTestId('report-category').textContent).toBe('B类')
    expect(screen.getByTestId('report-coverage').textContent).toBe('覆盖贷款需求 190%')
    // coverage sits beside the grade, never inside it
    expect(screen.getByTestId('report-category').textContent).not.toContain('%')

    const figures = screen.getByTestId('report-figures').textContent
    expect(figures).toContain('综合可贷额度 380.5万元（组合申请）')
    expect(figures).toContain('单一产品最高 210万元')
    expect(figures).toContain('贷款需求 200万元')
    expect(screen.getByTestId('report-composition').textContent).toBe(
      '组合构成：抵押经营贷（通用） 210万 + 微众微业贷 120万 + 票贷（通用） 50.5万',
    )
    expect(screen.getByTestId('report-cap').textContent).toContain('25% × 申报收入900万元 − 已有信用类经营贷54.5万元 = 170.5万元')

    // per-product rows: eligible with own estimate and share, ineligible with the one binding reason
    const invoiceRow = screen.getByText('票贷（通用）', { selector: 'td' }).closest('tr')!
    expect(within(invoiceRow).getByText('80万元')).toBeTruthy()
    expect(within(invoiceRow).getByText('50.5万元')).toBeTruthy()
    expect(within(invoiceRow).getByText('信用卡使用率偏高，信用类额度按85%测算')).toBeTruthy()
    const taxRow = screen.getByText('建行云税贷', { selector: 'td' }).closest('tr')!
    expect(within(taxRow).getByText('暂不符合')).toBeTruthy()
    expect(within(taxRow).getByText('近12个月纳税额2.7万元，低于产品门槛3万元')).toBeTruthy()
    expect(taxRow.textContent).not.toContain('征信查询7次')

    // plans of this diagnosis, in the API's order, with their value line, months and cost
    const rows = within(await screen.findByTestId('report-plans')).getAllByRole<HTMLTableRowElement>('row').slice(1)
    expect(rows.map((r) => r.cells[0].textContent)).toEqual(['纳税提升', '开票提升'])
    expect(rows[0].textContent).toContain('解锁：建行云税贷 0→18万')
    expect(rows[0].textContent).toContain('约12个月')
    expect(rows[0].textContent).toContain('0.3–1万元')
    expect(rows[1].textContent).toContain('情景测算')
    expect(rows[1].textContent).toContain('B类 → A类')

    expect(screen.getByText(/不构成任何金融机构的授信承诺/)).toBeTruthy()
    expect(screen.getByText('信用卡使用率（%）')).toBeTruthy()
    expect(internalIdsIn(screen.getByTestId('report').textContent ?? '')).toEqual([])
  })

  it('shows a repairable C as "C（可修复，约N个月）"', async () => {
    open({ ...repairableDiagnosis, id: 5 })
    expect(await screen.findByTestId('report-category')).toBeTruthy()
    expect(screen.getByTestId('report-category').textContent).toBe('C（可修复，约3个月）')
    expect(screen.getByTestId('report-figures').textContent).toContain('综合可贷额度 0万元')
    expect(screen.queryByTestId('report-composition')).toBeNull()
    expect(screen.getByText('纳税信用C级，产品要求A级/B级')).toBeTruthy()
    expect(internalIdsIn(screen.getByTestId('report').textContent ?? '')).toEqual([])
  })

  it('shows 资料待补充 with the unknown deciding facts instead of a letter', async () => {
    open({ ...incompleteDiagnosis, id: 5 })
    expect(await screen.findByTestId('report-category')).toBeTruthy()
    expect(screen.getByTestId('report-category').textContent).toBe('资料待补充')
    expect(screen.getByTestId('report-incomplete').textContent).toContain('经营规模、征信情况')
    expect(screen.getByText('近12个月纳税额（万元）')).toBeTruthy()
    expect(internalIdsIn(screen.getByTestId('report').textContent ?? '')).toEqual([])
  })
})
