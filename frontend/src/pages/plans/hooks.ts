import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, authFetch } from '../../api/client'
import { unwrap } from '../../api/errors'
import type { Plan, PlanPatch, Provider } from '../../api/types'
import { customerKeys } from '../customers/hooks'

export const planKeys = {
  all: ['plans'] as const,
  list: (q: Record<string, unknown>) => ['plans', 'list', q] as const,
  one: (id: number) => ['plans', 'one', id] as const,
}

/**
 * All plans for the board. Uses GET /api/plans (status, customer_id filters); until the service
 * offers it the board shows the API's error rather than guessing.
 */
export function useAllPlans(query: { status?: string; customer_id?: number } = {}) {
  return useQuery({
    queryKey: planKeys.list(query),
    queryFn: async (): Promise<Plan[]> => {
      const qs = new URLSearchParams()
      for (const [k, v] of Object.entries(query)) if (v != null && v !== '') qs.set(k, String(v))
      const res = await authFetch(`/api/plans${qs.size ? `?${qs}` : ''}`)
      return (await res.json()) as Plan[]
    },
  })
}

/** "联系人 · 电话 · 0.2–0.5 万元" */
export function providerLine(x: Provider): string {
  const price =
    x.price_min_wan != null || x.price_max_wan != null
      ? `${x.price_min_wan ?? '?'}${x.price_max_wan != null && x.price_max_wan !== x.price_min_wan ? `–${x.price_max_wan}` : ''} 万元`
      : null
  return [x.contact_name, x.contact_phone, price].filter(Boolean).join(' · ')
}

export function useCustomerPlans(customerId: number) {
  return useQuery({
    queryKey: customerKeys.plans(customerId),
    queryFn: () => unwrap(api.GET('/api/customers/{id}/plans', { params: { path: { id: customerId } } })),
    enabled: customerId > 0,
  })
}

export function usePlan(id: number | undefined) {
  return useQuery({
    queryKey: planKeys.one(id ?? 0),
    queryFn: () => unwrap(api.GET('/api/plans/{id}', { params: { path: { id: id! } } })),
    enabled: id != null && Number.isFinite(id),
  })
}

export function usePatchPlan() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: ({ id, patch }: { id: number; patch: PlanPatch }) =>
      unwrap(api.PATCH('/api/plans/{id}', { params: { path: { id } }, body: patch })),
    onSuccess: (p: Plan) => {
      qc.setQueryData(planKeys.one(p.id), p)
      qc.invalidateQueries({ queryKey: planKeys.all })
      qc.invalidateQueries({ queryKey: customerKeys.plans(p.customer_id) })
    },
  })
}

export function useProviders() {
  return useQuery({
    queryKey: ['providers'],
    queryFn: () => unwrap(api.GET('/api/providers')),
    staleTime: 60_000,
  })
}
