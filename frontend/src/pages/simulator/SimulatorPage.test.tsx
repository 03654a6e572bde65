import { describe, expect, it, vi } from 'vitest'
import { screen, within } from '@testing-library/react'
import SimulatorPage from './index'
import { setToken } from '../../auth/token'
import { branding, mockApi, renderApp } from '../../test/utils'
import { combinedDiagnosis, internalIdsIn } from '../../components/diagnosis/fixtures'

vi.mock('../../components/charts/ScoreRadar', () => ({ ScoreRadar: () => <div data-testid="radar" /> }))

describe('SimulatorPage', () => {
  it('heads with the same figures as the diagnosis: combined, composition, single best', async () => {
    setToken('t')
    const customer = { id: 9, name: '宁波测试有限公司', collaterals: [], stage: 'diagnosed', created_at: '', updated_at: '', annual_tax_wan: 2.7 }
    const { calls } = mockApi({
      'GET /api/branding': branding,
      'GET /api/customers': { items: [customer], total: 1, page: 1, page_size: 20 },
      'GET /api/customers/9': customer,
      'POST /api/diagnoses/simulate': combinedDiagnosis,
    })
    renderApp(<SimulatorPage />, { route: '/simulator?customer=9', path: '/simulator' })
    expect((await screen.findByTestId('combined', {}, { timeout: 10_000 })).textContent).toBe('380.5万')
    expect(screen.getByTestId('single-best').textContent).toBe('210万')
    expect(within(screen.getByTestId('composition')).getByText('微众微业贷')).toBeTruthy()
    expect(screen.getByTestId('grade').textContent).toBe('B类')
    expect(calls.some((c) => c.url.endsWith('/api/diagnoses/simulate'))).toBe(true)
    expect(internalIdsIn(document.body.textContent ?? '')).toEqual([])
  })
})
