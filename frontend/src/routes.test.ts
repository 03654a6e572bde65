import { describe, expect, it } from 'vitest'
import { appRoutes, canOpen, menuRoutes } from './routes'

describe('route table', () => {
  it('hides admin pages from staff and shows them to admins', () => {
    const staff = menuRoutes('staff').map((r) => r.path)
    const admin = menuRoutes('admin').map((r) => r.path)
    expect(staff).toContain('/customers')
    expect(staff).not.toContain('/rules')
    expect(staff).not.toContain('/users')
    expect(admin).toEqual(expect.arrayContaining(['/rules', '/users', '/settings', '/audit', '/system']))
  })
  it('guards admin routes by role', () => {
    const rules = appRoutes.find((r) => r.path === '/rules')!
    expect(canOpen(rules, 'staff')).toBe(false)
    expect(canOpen(rules, 'admin')).toBe(true)
  })
  it('has unique paths', () => {
    expect(new Set(appRoutes.map((r) => r.path)).size).toBe(appRoutes.length)
  })
})
