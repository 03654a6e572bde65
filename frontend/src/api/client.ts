import createClient, { type Middleware } from 'openapi-fetch'
import type { paths } from './schema.gen'
import { clearToken, getToken } from '../auth/token'
import { ApiError, toApiError } from './errors'

type UnauthorizedHandler = () => void
let onUnauthorized: UnauthorizedHandler = () => {
  const here = globalThis.location ? location.pathname + location.search : '/'
  if (globalThis.location && !location.pathname.startsWith('/login')) {
    location.assign(`/login?redirect=${encodeURIComponent(here)}`)
  }
}

/** The router installs a SPA-friendly handler (navigate to /login?redirect=…). */
export function setUnauthorizedHandler(h: UnauthorizedHandler): void {
  onUnauthorized = h
}

function isLoginCall(url: string): boolean {
  return url.includes('/api/auth/login')
}

export function handleUnauthorized(): void {
  clearToken()
  onUnauthorized()
}

const auth: Middleware = {
  onRequest({ request }) {
    const token = getToken()
    if (token) request.headers.set('Authorization', `Bearer ${token}`)
    return request
  },
  onResponse({ request, response }) {
    if (response.status === 401 && !isLoginCall(request.url)) handleUnauthorized()
    return response
  },
}

export function baseUrl(): string {
  return globalThis.location?.origin ?? ''
}

export const api = createClient<paths>({
  baseUrl: baseUrl(),
  // late-bound so tests can stub globalThis.fetch
  fetch: (req) => globalThis.fetch(req),
})
api.use(auth)

/** Raw fetch with the same token and 401 policy (multipart uploads, file downloads). */
export async function authFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers)
  const token = getToken()
  if (token) headers.set('Authorization', `Bearer ${token}`)
  let res: Response
  try {
    res = await globalThis.fetch(new URL(path, baseUrl() || 'http://localhost').toString(), { ...init, headers })
  } catch {
    throw new ApiError(0, undefined)
  }
  if (res.status === 401 && !isLoginCall(path)) handleUnauthorized()
  if (!res.ok) {
    let body: unknown
    try {
      body = await res.clone().json()
    } catch {
      body = await res.text().catch(() => undefined)
    }
    throw toApiError(res.status, body)
  }
  return res
}

export async function uploadFile<T>(path: string, file: File | Blob, filename?: string): Promise<T> {
  const fd = new FormData()
  if (filename) fd.append('file', file, filename)
  else fd.append('file', file)
  const res = await authFetch(path, { method: 'POST', body: fd })
  return (await res.json()) as T
}

/** Downloads an authenticated file and hands it to the browser as a download. */
export async function downloadFile(path: string, fallbackName: string): Promise<void> {
  const res = await authFetch(path)
  const blob = await res.blob()
  const cd = res.headers.get('Content-Disposition') ?? ''
  const m = /filename\*=UTF-8''([^;]+)|filename="?([^";]+)"?/i.exec(cd)
  const name = m ? decodeURIComponent(m[1] ?? m[2]) : fallbackName
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

/** Multipart upload with progress (XHR: fetch has no upload progress). Same token and 401 policy. */
export function uploadWithProgress<T>(
  path: string,
  file: File | Blob,
  onProgress: (pct: number) => void,
  /** Error statuses whose body is still the expected answer (e.g. 422 + an import report). */
  acceptStatuses: number[] = [],
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', new URL(path, baseUrl() || 'http://localhost').toString())
    const token = getToken()
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`)
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100))
    }
    xhr.onerror = () => reject(new ApiError(0, undefined))
    xhr.onload = () => {
      let body: unknown = xhr.responseText
      try {
        body = JSON.parse(xhr.responseText)
      } catch {
        /* not JSON */
      }
      if (xhr.status === 401 && !isLoginCall(path)) handleUnauthorized()
      if ((xhr.status >= 200 && xhr.status < 300) || acceptStatuses.includes(xhr.status)) resolve(body as T)
      else reject(toApiError(xhr.status, body))
    }
    const fd = new FormData()
    fd.append('file', file)
    xhr.send(fd)
  })
}
