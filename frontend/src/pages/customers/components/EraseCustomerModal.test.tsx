import { describe, expect, it } from 'vitest'
import { fireEvent, screen, waitFor } from '@testing-library/react'
import { Route } from 'react-router'
import CustomerDetailPage from '../CustomerDetailPage'
import { setToken } from '../../../auth/token'
import { branding, json, mockApi, renderApp } from '../../../test/utils'

const admin = { id: 1, username: 'admin', display_name: '管理员', role: 'admin', must_change_password: false }
const customer = { id: 9, name: '宁波擦除测试有限公司', collaterals: [], stage: 'new', created_at: '', updated_at: '' }

function open(me: typeof admin) {
  setToken('t')
  const api = mockApi({
    'GET /api/branding': branding,
    'GET /api/auth/me': me,
    'GET /api/users': [],
    'GET /api/customers/9': customer,
    'POST /api/customers/9/erase': () => json({ customer_id: 9, rows: { customers: 1 }, audit_entries_redacted: 1, files_removed: 0, checkpointed: true }),
  })
  renderApp(<CustomerDetailPage />, {
    route: '/customers/9',
    path: '/customers/:id',
    extra: [<Route key="list" path="/customers" element={<div data-testid="customer-list" />} />],
  })
  return api
}

describe('彻底删除（个人信息删除）', () => {
  it('stays disabled until the company name is typed exactly, then erases and leaves for the list', async () => {
    const api = open(admin)
    fireEvent.click(await screen.findByTestId('erase-open', {}, { timeout: 10_000 }))
    const confirm = await screen.findByTestId('erase-confirm')
    expect((confirm as HTMLButtonElement).disabled).toBe(true)
    const input = screen.getByTestId('erase-confirm-name')
    fireEvent.change(input, { target: { value: '宁波擦除测试' } })
    expect((confirm as HTMLButtonElement).disabled).toBe(true)
    fireEvent.change(input, { target: { value: customer.name } })
    expect((confirm as HTMLButtonElement).disabled).toBe(false)
    fireEvent.click(confirm)
    await screen.findByTestId('customer-list')
    const post = api.calls.find((r) => r.method === 'POST')!
    expect(new URL(post.url).pathname).toBe('/api/customers/9/erase')
    expect(await post.json()).toEqual({ confirm_name: customer.name })
  })

  it('is not offered to staff, nor is the personal-data page', async () => {
    open({ ...admin, role: 'staff' })
    await screen.findByText(customer.name, {}, { timeout: 10_000 })
    await waitFor(() => expect(screen.queryByTestId('erase-open')).toBeNull())
    expect(screen.queryByTestId('personal-data-link')).toBeNull()
  })
})
