import { describe, expect, it } from 'vitest'
import { screen, within } from '@testing-library/react'
import PlanDetailPage from './PlanDetailPage'
import { setToken } from '../../auth/token'
import type { Plan } from '../../api/types'
import { branding, mockApi, renderApp } from '../../test/utils'
import { internalIdsIn, scenarioPlan, unlockPlan } from '../../components/diagnosis/fixtures'

const customer = { id: 9, name: '宁波测试有限公司', collaterals: [], stage: 'improving', created_at: '', updated_at: '' }

function open(p: Plan) {
  setToken('t')
  mockApi({ 'GET /api/branding': branding, [`GET /api/plans/${p.id}`]: p, 'GET /api/customers/9': customer })
  renderApp(<PlanDetailPage />, { route: `/plans/${p.id}`, path: '/plans/:id' })
}

const text = () => document.body.textContent ?? ''

describe('PlanDetailPage', () => {
  it('shows what an unlock plan unlocks, never "+0 万", and the providers of its category', async () => {
    open(unlockPlan)
    expect((await screen.findByTestId('plan-headline', {}, { timeout: 10_000 })).textContent).toBe('解锁：建行云税贷 0→18万')
    expect(screen.getByTestId('plan-combined').textContent).toBe('380.5万 → 380.5万（综合额度不变）')
    const changes = screen.getByTestId('product-changes')
    expect(within(changes).getByText('解锁')).toBeTruthy()
    expect(within(changes).getByText('0→18万')).toBeTruthy()
    expect(text()).toContain('约 12 个月')
    expect(text()).toContain('0.3–1万元')
    expect(within(screen.getByTestId('providers')).getByText(/暂无该类服务商/)).toBeTruthy()
    expect(internalIdsIn(text())).toEqual([])
  })

  it('labels a revenue-driven plan 情景测算 and shows no provider block when it needs none', async () => {
    open(scenarioPlan)
    expect((await screen.findByTestId('plan-headline', {}, { timeout: 10_000 })).textContent).toBe('综合额度 +25万')
    expect(screen.getAllByText('情景测算').length).toBeGreaterThan(0)
    expect(screen.getByTestId('plan-combined').textContent).toBe('380.5万 → 405.5万（+25万）')
    expect(screen.queryByTestId('providers')).toBeNull()
    expect(screen.getByText('75.5万')).toBeTruthy()
    expect(internalIdsIn(text())).toEqual([])
  })
})
