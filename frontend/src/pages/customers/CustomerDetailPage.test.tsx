import { describe, expect, it, vi } from 'vitest'
import { fireEvent, screen } from '@testing-library/react'
import CustomerDetailPage from './CustomerDetailPage'
import { setToken } from '../../auth/token'
import type { Diagnosis } from '../../api/types'
import { branding, mockApi, renderApp } from '../../test/utils'
import { incompleteDiagnosis, internalIdsIn, permanentDiagnosis } from '../../components/diagnosis/fixtures'

vi.mock('../../components/charts/ScoreRadar', () => ({ ScoreRadar: () => <div data-testid="radar" /> }))

const me = { id: 1, username: 'li', display_name: '小李', role: 'staff', must_change_password: false }

function open(d: Diagnosis, tab = 'plans') {
  setToken('t')
  const customer = {
    id: 9,
    name: '宁波测试有限公司',
    collaterals: [],
    stage: 'diagnosed',
    created_at: '',
    updated_at: '',
    latest_category: d.category,
    latest_total: d.total,
    latest_recommended_wan: d.recommended_wan,
    latest_diagnosis_id: d.id,
  }
  mockApi({
    'GET /api/branding': branding,
    'GET /api/auth/me': me,
    'GET /api/customers/9': customer,
    'GET /api/customers/9/plans': [],
    'GET /api/customers/9/diagnoses': [d],
    [`GET /api/diagnoses/${d.id}`]: d,
    [`POST /api/diagnoses/${d.id}/plans`]: [],
  })
  renderApp(<CustomerDetailPage />, { route: `/customers/9?tab=${tab}`, path: '/customers/:id' })
}

const text = () => document.body.textContent ?? ''

describe('CustomerDetailPage', () => {
  it('explains an empty plan generation from the latest diagnosis', async () => {
    open(permanentDiagnosis)
    fireEvent.click(await screen.findByRole('button', { name: /按最新诊断生成方案/ }, { timeout: 10_000 }))
    const advice = await screen.findByTestId('no-plan-advice')
    expect(advice.textContent).toContain('所属行业为禁入行业，该产品不受理（无法通过改造解决）')
    expect(internalIdsIn(text())).toEqual([])
  })

  it('shows 资料待补充 as the grade and the history without a rules version', async () => {
    open(incompleteDiagnosis, 'diagnoses')
    expect((await screen.findAllByTestId('grade', {}, { timeout: 10_000 })).map((g) => g.textContent)).toContain('资料待补充')
    expect((await screen.findAllByText('综合可贷额度')).length).toBeGreaterThan(0)
    expect(text()).not.toContain('规则版本')
    expect(internalIdsIn(text())).toEqual([])
  })
})
