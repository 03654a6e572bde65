import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../api/client'
import { unwrap } from '../../api/errors'
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
