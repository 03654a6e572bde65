import { describe, expect, it, vi } from 'vitest'
import { fireEvent, screen, waitFor } from '@testing-library/react'
import { CustomerForm } from './CustomerForm'
import { ApiError } from '../../../api/errors'
import { setToken } from '../../../auth/token'
import { branding, mockApi, renderApp } from '../../../test/utils'

const staff = { id: 7, username: 'li', display_name: '小李', role: 'staff', must_change_password: false }

function setup(onSubmit: (v: unknown) => Promise<unknown>) {
  setToken('t')
  mockApi({ 'GET /api/branding': branding, 'GET /api/auth/me': staff })
  renderApp(<CustomerForm onSubmit={onSubmit} />)
}

describe('CustomerForm', () => {
  it('sends unknown facts as null, never as 0 or ""', async () => {
    const onSubmit = vi.fn(async () => ({}))
    setup(onSubmit)
    fireEvent.change(await screen.findByLabelText('企业名称'), { target: { value: '测试科技有限公司' } })
    fireEvent.change(screen.getByLabelText('法人'), { target: { value: '  ' } })
    fireEvent.click(screen.getByRole('button', { name: '保存' }))
    await waitFor(() => expect(onSubmit).toHaveBeenCalled())
    const body = (onSubmit.mock.calls[0] as unknown[])[0] as Record<string, unknown>
    expect(body.name).toBe('测试科技有限公司')
    expect(body.legal_person).toBeNull()
    expect(body.annual_tax_wan).toBeNull()
    expect(body.established_on).toBeNull()
    expect(body.collaterals).toEqual([])
    expect(body.stage).toBe('new')
  })

  it('puts an API field error on the offending field', async () => {
    setup(async () => {
      throw new ApiError(400, { code: 'validation', message: '统一社会信用代码校验位不正确，请核对后重新输入', field: 'uscc' })
    })
    fireEvent.change(await screen.findByLabelText('企业名称'), { target: { value: '测试科技有限公司' } })
    fireEvent.click(screen.getByRole('button', { name: '保存' }))
    await screen.findByRole('alert')
    const item = screen.getByLabelText('统一社会信用代码').closest('.ant-form-item')!
    const explain = await waitFor(() => {
      const el = item.querySelector('.ant-form-item-explain-error')
      expect(el).not.toBeNull()
      return el!
    })
    expect(explain.textContent).toContain('校验位不正确')
  })

  it('maps errors inside the collateral list (collaterals[0].appraisal_wan)', async () => {
    setup(async () => {
      throw new ApiError(400, { code: 'validation', message: '评估价值不能为负数', field: 'collaterals[0].appraisal_wan' })
    })
    fireEvent.change(await screen.findByLabelText('企业名称'), { target: { value: '测试科技有限公司' } })
    fireEvent.click(screen.getByRole('button', { name: /添加抵押物/ }))
    fireEvent.click(screen.getByRole('button', { name: '保存' }))
    await screen.findByRole('alert')
    const item = screen.getByLabelText('评估价值').closest('.ant-form-item')!
    await waitFor(() => expect(item.querySelector('.ant-form-item-explain-error')?.textContent).toContain('评估价值不能为负数'))
  })
})
