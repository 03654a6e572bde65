import { useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../api/client'
import { unwrap } from '../../api/errors'
import type { Plan } from '../../api/types'
import { customerKeys } from '../customers/hooks'

export const diagnosisKeys = {
  one: (id: number) => ['diagnoses', id] as const,
}

export function useDiagnosis(id: number | undefined) {
  return useQuery({
    queryKey: diagnosisKeys.one(id ?? 0),
    queryFn: () => unwrap(api.GET('/api/diagnoses/{id}', { params: { path: { id: id! } } })),
    enabled: id != null && Number.isFinite(id),
  })
}

export function useDiagnosisHistory(customerId: number) {
  return useQuery({
    queryKey: customerKeys.diagnoses(customerId),
    queryFn: () => unwrap(api.GET('/api/customers/{id}/diagnoses', { params: { path: { id: customerId } } })),
  })
}

export function useRunDiagnosis() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (customerId: number) =>
      unwrap(api.POST('/api/customers/{id}/diagnoses', { params: { path: { id: customerId } } })),
    onSuccess: (d) => {
      qc.setQueryData(diagnosisKeys.one(d.id), d)
      qc.invalidateQueries({ queryKey: customerKeys.all })
    },
  })
}

export function useGeneratePlans() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (diagnosisId: number) =>
      unwrap(api.POST('/api/diagnoses/{id}/plans', { params: { path: { id: diagnosisId } } })),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: customerKeys.all })
      qc.invalidateQueries({ queryKey: ['plans'] })
    },
  })
}

export type Generated =
  /** New plans were made. */
  | { kind: 'created'; plans: Plan[] }
  /** Nothing new, but the diagnosis' started plans stay (generating again never duplicates them). */
  | { kind: 'kept'; plans: Plan[] }
  /** The diagnosis leaves nothing worth proposing: the page explains why (see noPlanAdvice). */
  | { kind: 'none' }

/**
 * Generates a diagnosis' plans and tells apart "nothing new" (started plans are kept) from
 * "nothing to propose", so the broker is told why instead of reading "已生成 0 个".
 */
export function useGeneratePlansFor(diagnosisId: number, customerId: number) {
  const qc = useQueryClient()
  const gen = useGeneratePlans()
  const [noPlans, setNoPlans] = useState(false)
  function run(onDone: (g: Generated) => void, onError: (e: unknown) => void) {
    gen.mutate(diagnosisId, {
      onSuccess: async (plans) => {
        if (plans.length > 0) {
          setNoPlans(false)
          return onDone({ kind: 'created', plans })
        }
        try {
          const all = await qc.fetchQuery({
            queryKey: customerKeys.plans(customerId),
            queryFn: () => unwrap(api.GET('/api/customers/{id}/plans', { params: { path: { id: customerId } } })),
          })
          const kept = all.filter((p) => p.diagnosis_id === diagnosisId)
          setNoPlans(kept.length === 0)
          onDone(kept.length > 0 ? { kind: 'kept', plans: kept } : { kind: 'none' })
        } catch (e) {
          onError(e)
        }
      },
      onError,
    })
  }
  return { run, isPending: gen.isPending, noPlans, dismiss: () => setNoPlans(false) }
}
