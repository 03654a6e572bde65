import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../api/client'
import { unwrap } from '../../api/errors'
import type { Query, Req, Res } from '../../api/types'
import { CATALOGUE } from '../../domain/vocabulary.gen'

export type Application = Res<'/api/customers/{id}/applications'>[number]
export type ApplicationDetail = Res<'/api/applications/{id}'>
export type ApplicationPage = Res<'/api/applications'>
export type ApplicationStats = Res<'/api/applications/stats'>
export type NewApplication = Req<'/api/customers/{id}/applications'>
export type ApplicationPatch = Req<'/api/applications/{id}', 'patch'>
export type ApplicationFilter = Query<'/api/applications'>
export type ApplicationStatus = Application['status']

export const APPLICATION_STATUS_OPTIONS: { value: ApplicationStatus; label: string }[] =
  CATALOGUE.vocabularies.ApplicationStatus.map((t) => ({ value: t.code as ApplicationStatus, label: t.label }))
const STATUS_LABELS: Record<string, string> = Object.fromEntries(APPLICATION_STATUS_OPTIONS.map((o) => [o.value, o.label]))
export const statusLabel = (s: string) => STATUS_LABELS[s] ?? s

/** Purely visual: the colour of each status tag. */
export const STATUS_COLORS: Record<string, string> = {
  preparing: 'default',
  submitted: 'blue',
  reviewing: 'processing',
  approved: 'cyan',
  disbursed: 'green',
  settled: 'success',
  rejected: 'red',
  withdrawn: 'warning',
}
export const STATUS_HEX: Record<string, string> = {
  preparing: '#bfbfbf',
  submitted: '#69b1ff',
  reviewing: '#1677ff',
  approved: '#13c2c2',
  disbursed: '#52c41a',
  settled: '#389e0d',
  rejected: '#f5222d',
  withdrawn: '#faad14',
}

const CHAIN: ApplicationStatus[] = ['preparing', 'submitted', 'reviewing', 'approved', 'disbursed', 'settled']
const FINAL: ApplicationStatus[] = ['settled', 'rejected', 'withdrawn']

/** The statuses an application may move to (mirrors the service's rule; the service decides). */
export function nextStatuses(s: ApplicationStatus): ApplicationStatus[] {
  if (FINAL.includes(s)) return []
  const i = CHAIN.indexOf(s)
  const forward = CHAIN.slice(i + 1)
  const open = ['preparing', 'submitted', 'reviewing', 'approved'].includes(s)
  return open ? [...forward, 'rejected', 'withdrawn'] : forward
}

export const applicationKeys = {
  customer: (customerId: number) => ['customers', 'one', customerId, 'applications'] as const,
  one: (id: number) => ['applications', 'one', id] as const,
  list: (f: ApplicationFilter) => ['applications', 'list', f] as const,
  stats: ['applications', 'stats'] as const,
}

export function useCustomerApplications(customerId: number) {
  return useQuery({
    queryKey: applicationKeys.customer(customerId),
    queryFn: () => unwrap(api.GET('/api/customers/{id}/applications', { params: { path: { id: customerId } } })),
  })
}

export function useApplication(id: number | null) {
  return useQuery({
    queryKey: applicationKeys.one(id ?? 0),
    enabled: id != null,
    queryFn: () => unwrap(api.GET('/api/applications/{id}', { params: { path: { id: id ?? 0 } } })),
  })
}

export function useApplications(f: ApplicationFilter) {
  return useQuery({
    queryKey: applicationKeys.list(f),
    queryFn: () => unwrap(api.GET('/api/applications', { params: { query: f } })),
  })
}

export function useApplicationStats() {
  return useQuery({ queryKey: applicationKeys.stats, queryFn: () => unwrap(api.GET('/api/applications/stats')) })
}

function useInvalidate() {
  const qc = useQueryClient()
  return (customerId: number) => {
    qc.invalidateQueries({ queryKey: ['applications'] })
    qc.invalidateQueries({ queryKey: ['customers', 'one', customerId] })
    qc.invalidateQueries({ queryKey: ['dashboard'] })
  }
}

export function useCreateApplication(customerId: number) {
  const invalidate = useInvalidate()
  return useMutation({
    mutationFn: (body: NewApplication) =>
      unwrap(api.POST('/api/customers/{id}/applications', { params: { path: { id: customerId } }, body })),
    onSuccess: () => invalidate(customerId),
  })
}

export function useUpdateApplication() {
  const invalidate = useInvalidate()
  return useMutation({
    mutationFn: ({ id, body }: { id: number; body: ApplicationPatch }) =>
      unwrap(api.PATCH('/api/applications/{id}', { params: { path: { id } }, body })),
    onSuccess: (a) => invalidate(a.customer_id),
  })
}

export function useProducts() {
  return useQuery({ queryKey: ['products'], queryFn: () => unwrap(api.GET('/api/products')) })
}

export function exportQuery(f: ApplicationFilter, format: 'xlsx' | 'csv'): string {
  const p = new URLSearchParams({ format })
  for (const [k, v] of Object.entries(f)) if (v != null && v !== '' && k !== 'page' && k !== 'page_size') p.set(k, String(v))
  return `/api/applications/export?${p.toString()}`
}
