import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../api/client'
import { unwrap } from '../../api/errors'
import type { Plan, PlanPatch } from '../../api/types'
import { customerKeys } from '../customers/hooks'

export const planKeys = {
  all: ['plans'] as const,
  list: (q: Record<string, unknown>) => ['plans', 'list', q] as const,
  one: (id: number) => ['plans', 'one', id] as const,
}

export function useAllPlans(query: { status?: string; customer_id?: number } = {}) {
  return useQuery({
    queryKey: planKeys.list(query),
    queryFn: () => unwrap(api.GET('/api/plans', { params: { query } })),
  })
}

export function useCustomerPlans(customerId: number) {
  return useQuery({
    queryKey: customerKeys.plans(customerId),
    queryFn: () => unwrap(api.GET('/api/customers/{id}/plans', { params: { path: { id: customerId } } })),
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
