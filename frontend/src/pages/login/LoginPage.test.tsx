import { describe, expect, it } from 'vitest'
import { Route } from 'react-router'
import { fireEvent, screen, waitFor } from '@testing-library/react'
import LoginPage from './index'
import { branding, json, mockApi, renderApp } from '../../test/utils'

const me = { id: 1, username: 'admin', display_name: '管理员', role: 'admin', must_change_password: true }

function fill() {
  fireEvent.change(screen.getByLabelText('用户名'), { target: { value: 'admin' } })
  fireEvent.change(screen.getByLabelText('密码'), { target: { value: 'one-time-pw' } })
  fireEvent.click(screen.getByRole('button', { name: '登录' }))
}

describe('LoginPage', () => {
  it('shows the runtime brand and routes a first login to the forced password change', async () => {
    const { calls } = mockApi({
      'GET /api/branding': branding,
      'POST /api/auth/login': { access_token: 'tok', token_type: 'Bearer', expires_in: 3600, must_change_password: true },
      'GET /api/auth/me': me,
    })
    renderApp(<LoginPage />, { route: '/login', path: '/login', extra: [<Route key="c" path="/change-password" element={<p>改密码页</p>} />] })
    expect(await screen.findByText('测试助贷')).toBeTruthy()
    fill()
    expect(await screen.findByText('改密码页')).toBeTruthy()
    expect(localStorage.getItem('loan-broker.token')).toBe('tok')
    const login = calls.find((c) => c.url.endsWith('/api/auth/login'))!
    expect(await login.json()).toEqual({ username: 'admin', password: 'one-time-pw' })
  })

  it('shows the API message when the login is refused', async () => {
    mockApi({
      'GET /api/branding': branding,
      'POST /api/auth/login': () => json({ code: 'unauthorized', message: '用户名或密码错误' }, 401),
    })
    renderApp(<LoginPage />, { route: '/login', path: '/login' })
    fill()
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('用户名或密码错误'))
    expect(localStorage.getItem('loan-broker.token')).toBeNull()
  })
})
