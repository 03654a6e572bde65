import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../api/client'
import { unwrap } from '../../api/errors'

export const shareKeys = {
  forDiagnosis: (id: number) => ['diagnoses', id, 'shares'] as const,
}

export function useShares(diagnosisId: number, enabled: boolean) {
  return useQuery({
    queryKey: shareKeys.forDiagnosis(diagnosisId),
    queryFn: () => unwrap(api.GET('/api/diagnoses/{id}/shares', { params: { path: { id: diagnosisId } } })),
    enabled,
  })
}

export function useCreateShare(diagnosisId: number) {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (body: { expires_in_days: number; contact_line?: string }) =>
      unwrap(api.POST('/api/diagnoses/{id}/shares', { params: { path: { id: diagnosisId } }, body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: shareKeys.forDiagnosis(diagnosisId) }),
  })
}

export function useRevokeShare(diagnosisId: number) {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE('/api/shares/{id}', { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: shareKeys.forDiagnosis(diagnosisId) }),
  })
}

/** The link as the client opens it: the API gives a relative one when no public address is set. */
export function absoluteUrl(url: string): string {
  return url.startsWith('/') ? `${window.location.origin}${url}` : url
}
