import { describe, expect, it } from 'vitest'
import { ApiError, fieldPath, toApiError, unwrap } from './errors'

describe('fieldPath', () => {
  it('maps API field names onto antd name paths', () => {
    expect(fieldPath('name')).toEqual(['name'])
    expect(fieldPath('collaterals[0].appraisal_wan')).toEqual(['collaterals', 0, 'appraisal_wan'])
    expect(fieldPath('collaterals.2.kind')).toEqual(['collaterals', 2, 'kind'])
  })
})

describe('toApiError', () => {
  it('keeps the Chinese message, code and field', () => {
    const e = toApiError(400, { code: 'validation', message: '统一社会信用代码校验位不正确', field: 'uscc' })
    expect(e).toBeInstanceOf(ApiError)
    expect(e.message).toBe('统一社会信用代码校验位不正确')
    expect(e.code).toBe('validation')
    expect(e.field).toBe('uscc')
  })
  it('falls back to a Chinese message by status', () => {
    expect(toApiError(403, undefined).message).toBe('没有权限执行此操作')
    expect(toApiError(502, 'Bad gateway').message).toBe('Bad gateway')
    expect(toApiError(500, {}).message).toBe('服务器出错，请稍后重试')
  })
})

describe('unwrap', () => {
  it('returns data on success and throws ApiError otherwise', async () => {
    await expect(unwrap(Promise.resolve({ data: 1, response: new Response(null, { status: 200 }) }))).resolves.toBe(1)
    await expect(
      unwrap(Promise.resolve({ error: { code: 'not_found', message: '客户不存在' }, response: new Response(null, { status: 404 }) })),
    ).rejects.toMatchObject({ status: 404, message: '客户不存在' })
    await expect(unwrap(Promise.reject(new TypeError('fetch failed')))).rejects.toMatchObject({ status: 0 })
  })
})
