import { describe, expect, it, vi } from 'vitest'
import { api, setUnauthorizedHandler } from './client'
import { getToken, setToken } from '../auth/token'
import { json, mockApi } from '../test/utils'

describe('api client', () => {
  it('uses the page origin and sends the bearer token', async () => {
    setToken('tok-1')
    const { calls } = mockApi({ 'GET /api/auth/me': { id: 1, username: 'a', display_name: 'A', role: 'staff', must_change_password: false } })
    const r = await api.GET('/api/auth/me')
    expect(r.data?.username).toBe('a')
    expect(calls[0].url).toBe(`${location.origin}/api/auth/me`)
    expect(calls[0].headers.get('Authorization')).toBe('Bearer tok-1')
  })

  it('clears the token and calls the 401 handler on any 401 except the login call', async () => {
    const onUnauthorized = vi.fn()
    setUnauthorizedHandler(onUnauthorized)
    setToken('expired')
    mockApi({
      'GET /api/auth/me': () => json({ code: 'unauthorized', message: '登录已过期' }, 401),
      'POST /api/auth/login': () => json({ code: 'unauthorized', message: '用户名或密码错误' }, 401),
    })
    await api.POST('/api/auth/login', { body: { username: 'x', password: 'y' } })
    expect(onUnauthorized).not.toHaveBeenCalled()
    await api.GET('/api/auth/me')
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
    expect(getToken()).toBeNull()
  })
})
