import { describe, expect, it } from 'vitest'
import { screen, waitFor } from '@testing-library/react'
import { Pagination } from 'antd'
import { branding, json, mockApi, renderApp } from '../test/utils'
import { useBranding } from './context'

function Probe() {
  const b = useBranding()
  return (
    <div>
      <span data-testid="name">{b.brand_name}</span>
      <span data-testid="color">{b.primary_color}</span>
      <Pagination total={50} showSizeChanger />
    </div>
  )
}

describe('BrandingProvider', () => {
  it('applies the runtime brand and the Chinese antd locale', async () => {
    mockApi({ 'GET /api/branding': branding })
    renderApp(<Probe />)
    await waitFor(() => expect(screen.getByTestId('name').textContent).toBe('测试助贷'))
    expect(screen.getByTestId('color').textContent).toBe('#d4380d')
    expect(document.title).toBe('测试助贷')
    expect(document.body.textContent).toContain('条/页')
  })

  it('falls back to safe defaults when the server sends junk or fails', async () => {
    mockApi({ 'GET /api/branding': () => json({ brand_name: ' ', primary_color: 'red;}', secondary_color: '#fff' }) })
    renderApp(<Probe />)
    await waitFor(() => expect(screen.getByTestId('color').textContent).toBe('#1677ff'))
    expect(screen.getByTestId('name').textContent).toBe('贷款助手')
  })
})
