import { describe, expect, it, vi } from 'vitest'
import { Route } from 'react-router'
import { fireEvent, screen, within } from '@testing-library/react'
import DiagnosisPage from './index'
import { setToken } from '../../auth/token'
import type { Diagnosis, Plan } from '../../api/types'
import { branding, mockApi, renderApp } from '../../test/utils'
import {
  combinedDiagnosis,
  incompleteDiagnosis,
  internalIdsIn,
  permanentDiagnosis,
  repairableDiagnosis,
  strongDiagnosis,
  unlockPlan,
} from '../../components/diagnosis/fixtures'

vi.mock('../../components/charts/ScoreRadar', () => ({ ScoreRadar: () => <div data-testid="radar" /> }))

const customer = { id: 9, name: '宁波测试有限公司', collaterals: [], stage: 'diagnosed', created_at: '', updated_at: '', loan_demand_wan: 200 }

function open(d: Diagnosis, generated: Plan[] = [], existing: Plan[] = []) {
  setToken('t')
  const api = mockApi({
    'GET /api/branding': branding,
    [`GET /api/diagnoses/${d.id}`]: d,
    'GET /api/customers/9': customer,
    [`POST /api/diagnoses/${d.id}/plans`]: generated,
    'GET /api/customers/9/plans': existing,
  })
  renderApp(<DiagnosisPage />, {
    route: `/diagnoses/${d.id}`,
    path: '/diagnoses/:id',
    extra: [<Route key="c" path="/customers/:id" element={<p>客户页</p>} />],
  })
  return api
}

const text = () => document.body.textContent ?? ''

describe('DiagnosisPage', () => {
  it('shows one set of figures: grade with coverage beside it, combined, composition, single best, cap, product rows', async () => {
    open(combinedDiagnosis)
    expect(await screen.findByText('融资体检：宁波测试有限公司', {}, { timeout: 10_000 })).toBeTruthy()
    expect(screen.getByTestId('grade').textContent).toBe('B类')
    expect(screen.getByTestId('coverage').textContent).toBe('覆盖贷款需求 190%')
    expect(screen.getByTestId('combined').textContent).toBe('380.5万')
    expect(screen.getByTestId('single-best').textContent).toBe('210万')
    const composition = screen.getByTestId('composition')
    expect(within(composition).getByText('抵押经营贷（通用）')).toBeTruthy()
    expect(within(composition).getByText('50.5万')).toBeTruthy()
    expect(screen.getByTestId('cap').textContent).toContain('25% × 申报收入900万元 − 已有信用类经营贷54.5万元 = 170.5万元')
    // the binding blocker first, with what clearing it takes; the next one below it
    expect(screen.getByText('近12个月纳税额2.7万元，低于产品门槛3万元')).toBeTruthy()
    expect(text()).toContain('（可改造，约12个月）')
    expect(text()).toContain('另：近3个月征信查询7次，超过产品上限6次（需等待约2个月）')
    expect(text()).toContain('微众银行 · 核实于 2026-10-15')
    expect(text()).toContain('通用参考，未核实')
    expect(screen.getByText('受信用类合计上限压缩')).toBeTruthy()
    expect(screen.getByText('封顶（最高 B）')).toBeTruthy()
    expect(internalIdsIn(text())).toEqual([])
  })

  it('shows a repairable C as "C（可修复，约N个月）"', async () => {
    open(repairableDiagnosis)
    expect((await screen.findByTestId('grade')).textContent).toBe('C（可修复，约3个月）')
    expect(internalIdsIn(text())).toEqual([])
  })

  it('lists the unknown deciding facts for 资料待补充', async () => {
    open(incompleteDiagnosis)
    expect((await screen.findByTestId('grade')).textContent).toBe('资料待补充')
    const facts = screen.getByTestId('incomplete-facts')
    expect(within(facts).getByText('经营规模')).toBeTruthy()
    expect(within(facts).getByText('征信情况')).toBeTruthy()
    expect(internalIdsIn(text())).toEqual([])
  })

  it('says why when an A client gets no plan', async () => {
    open(strongDiagnosis)
    fireEvent.click(await screen.findByRole('button', { name: /生成改造方案/ }))
    const advice = await screen.findByTestId('no-plan-advice')
    expect(advice.textContent).toContain('资质良好，暂无需要改造的项目')
    expect(advice.textContent).toContain('可直接按推荐组合申请')
  })

  it('names the permanent blocker when a C client gets no plan', async () => {
    open(permanentDiagnosis)
    fireEvent.click(await screen.findByRole('button', { name: /生成改造方案/ }))
    const advice = await screen.findByTestId('no-plan-advice')
    expect(advice.textContent).toContain('所属行业为禁入行业，该产品不受理（无法通过改造解决）')
    expect(advice.textContent).toContain('没有可抵押的房产或土地')
    expect(internalIdsIn(advice.textContent ?? '')).toEqual([])
  })

  it('does not call kept plans "no plan" when generating again adds nothing', async () => {
    open(combinedDiagnosis, [], [{ ...unlockPlan, status: 'in_progress' }])
    fireEvent.click(await screen.findByRole('button', { name: /生成改造方案/ }))
    expect(await screen.findByText('客户页')).toBeTruthy()
    expect(screen.queryByTestId('no-plan-advice')).toBeNull()
  })
})
