import type { ReactElement } from 'react'
import { render } from '@testing-library/react'
import { MemoryRouter, Route, Routes } from 'react-router'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { vi } from 'vitest'
import { BrandingProvider } from '../branding/BrandingProvider'

type Handler = (req: Request) => Response | Promise<Response> | undefined

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json; charset=utf-8' } })
}

/** Stubs fetch with a list of [method path, handler]; unknown requests fail the test loudly. */
export function mockApi(routes: Record<string, Handler | unknown>) {
  const calls: Request[] = []
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(input, init)
    calls.push(req.clone())
    const url = new URL(req.url)
    const key = `${req.method} ${url.pathname}`
    const h = routes[key]
    if (h === undefined) throw new Error(`unexpected request ${key}`)
    const res = typeof h === 'function' ? await (h as Handler)(req) : json(h)
    if (!res) throw new Error(`handler for ${key} returned nothing`)
    return res
  })
  vi.stubGlobal('fetch', fetchMock)
  return { calls, fetchMock }
}

export const branding = { brand_name: '测试助贷', primary_color: '#d4380d', secondary_color: '#13c2c2' }

export function renderApp(ui: ReactElement, { route = '/', path = '*', extra }: { route?: string; path?: string; extra?: ReactElement[] } = {}) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } })
  return render(
    <QueryClientProvider client={qc}>
      <BrandingProvider>
        <MemoryRouter initialEntries={[route]}>
          <Routes>
            <Route path={path} element={ui} />
            {extra}
          </Routes>
        </MemoryRouter>
      </BrandingProvider>
    </QueryClientProvider>,
  )
}
