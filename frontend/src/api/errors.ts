/** The one error shape every API error has: {code, message (中文), field?}. */
export interface ApiErrorBody {
  code: string
  message: string
  field?: string | null
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly field?: string
  /** The whole error body, for endpoints that add details (e.g. `errors[]` of an invalid rule set). */
  readonly body?: unknown

  constructor(status: number, body: Partial<ApiErrorBody> | undefined, raw?: unknown) {
    super(body?.message || defaultMessage(status))
    this.name = 'ApiError'
    this.status = status
    this.code = body?.code || `http_${status}`
    this.field = body?.field ?? undefined
    this.body = raw
  }

  /** `errors: [{path, message}]` when the body carries a list of problems. */
  problems(): { path?: string; message: string }[] {
    const list = (this.body as { errors?: unknown } | undefined)?.errors
    if (!Array.isArray(list)) return []
    return list
      .filter((x): x is { path?: unknown; message: unknown } => !!x && typeof x === 'object' && 'message' in x)
      .map((x) => ({ path: typeof x.path === 'string' ? x.path : undefined, message: String(x.message) }))
  }
}

function defaultMessage(status: number): string {
  if (status === 0) return '无法连接服务器，请检查网络'
  if (status === 401) return '登录已失效，请重新登录'
  if (status === 403) return '没有权限执行此操作'
  if (status === 404) return '数据不存在或已被删除'
  if (status === 413) return '文件过大'
  if (status >= 500) return '服务器出错，请稍后重试'
  return `请求失败（${status}）`
}

function asErrorBody(v: unknown): Partial<ApiErrorBody> | undefined {
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>
    return {
      code: typeof o.code === 'string' ? o.code : undefined,
      message: typeof o.message === 'string' ? o.message : undefined,
      field: typeof o.field === 'string' ? o.field : undefined,
    }
  }
  if (typeof v === 'string' && v.trim()) return { message: v.trim() }
  return undefined
}

export function toApiError(status: number, body: unknown): ApiError {
  return new ApiError(status, asErrorBody(body), body)
}

/** Turns an openapi-fetch result into its data, throwing ApiError on any error status. */
export async function unwrap<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let r: { data?: T; error?: unknown; response: Response }
  try {
    r = await p
  } catch (e) {
    if (e instanceof ApiError) throw e
    throw new ApiError(0, undefined)
  }
  if (!r.response.ok) throw toApiError(r.response.status, r.error)
  return r.data as T
}

export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message
  if (e instanceof Error) return e.message
  return '操作失败'
}

/**
 * Maps an API `field` ("collaterals[0].appraisal_wan", "collaterals.0.appraisal_wan", "name")
 * onto an antd Form name path.
 */
export function fieldPath(field: string): (string | number)[] {
  return field
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s))
}
