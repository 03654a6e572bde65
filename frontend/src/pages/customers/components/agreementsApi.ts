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

export type AgreementPatch = Req<'/api/agreements/{id}', 'patch'>
export type IncomeSummary = Res<'/api/income'>

export function useAgreement(id: number) {
  return useQuery({
    queryKey: ['agreements', id] as const,
    queryFn: () => unwrap(api.GET('/api/agreements/{id}', { params: { path: { id } } })),
  })
}

export function useUpdateAgreement(customerId: number) {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: ({ id, body }: { id: number; body: AgreementPatch }) =>
      unwrap(api.PATCH('/api/agreements/{id}', { params: { path: { id } }, body })),
    onSuccess: (a) => {
      void qc.invalidateQueries({ queryKey: agreementKeys.list(customerId) })
      qc.setQueryData(['agreements', a.id], a)
      void qc.invalidateQueries({ queryKey: ['income'] })
    },
  })
}

export function useIncome(month?: string) {
  return useQuery({
    queryKey: ['income', month ?? 'now'] as const,
    queryFn: () => unwrap(api.GET('/api/income', { params: { query: { month } } })),
  })
}

/** "放款金额的 1.5%" or "3 万元". */
export function feeText(a: Pick<Agreement, 'fee_type' | 'fee_rate_pct' | 'fee_fixed_wan'>): string {
  return a.fee_type === 'percent' ? `放款金额的 ${a.fee_rate_pct ?? 0}%` : `${a.fee_fixed_wan ?? 0} 万元`
}
