import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../../api/client'
import { unwrap } from '../../../api/errors'
import type { Req, Res } from '../../../api/types'
import { CATALOGUE } from '../../../domain/vocabulary.gen'

export type Agreement = Res<'/api/customers/{id}/agreements'>[number]
export type AgreementInput = Req<'/api/customers/{id}/agreements'>

const labels = (name: 'FeeType' | 'FeeDue') =>
  Object.fromEntries(CATALOGUE.vocabularies[name].map((t) => [t.code, t.label])) as Record<string, string>
export const FEE_TYPE_LABELS = labels('FeeType')
export const FEE_DUE_LABELS = labels('FeeDue')

export const agreementKeys = {
  list: (customerId: number) => ['customers', 'one', customerId, 'agreements'] as const,
}

export function useAgreements(customerId: number) {
  return useQuery({
    queryKey: agreementKeys.list(customerId),
    queryFn: () => unwrap(api.GET('/api/customers/{id}/agreements', { params: { path: { id: customerId } } })),
  })
}

export function useCreateAgreement(customerId: number) {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (body: AgreementInput) =>
      unwrap(api.POST('/api/customers/{id}/agreements', { params: { path: { id: customerId } }, body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: agreementKeys.list(customerId) }),
  })
}
