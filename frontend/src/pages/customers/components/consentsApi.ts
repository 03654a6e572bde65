import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../../api/client'
import { unwrap } from '../../../api/errors'
import type { Req, Res } from '../../../api/types'
import { CATALOGUE } from '../../../domain/vocabulary.gen'

export type Consent = Res<'/api/customers/{id}/consents'>[number]
export type ConsentInput = Req<'/api/customers/{id}/consents'>
export type ConsentPurpose = Consent['purposes'][number]
export type ConsentData = Consent['data'][number]
export type ConsentMethod = Consent['method']

/** The error code of a save refused for want of the customer's consent. */
export const CONSENT_REQUIRED = 'consent_required'

const terms = <C extends string>(name: 'ConsentPurpose' | 'ConsentData' | 'ConsentMethod') =>
  CATALOGUE.vocabularies[name].map((t) => ({ value: t.code as C, label: t.label }))
export const PURPOSES = terms<ConsentPurpose>('ConsentPurpose')
export const DATA_KINDS = terms<ConsentData>('ConsentData')
export const METHODS = terms<ConsentMethod>('ConsentMethod')
const labelOf = (list: { value: string; label: string }[]) => (code: string) =>
  list.find((t) => t.value === code)?.label ?? code
export const purposeLabel = labelOf(PURPOSES)
export const dataLabel = labelOf(DATA_KINDS)
export const methodLabel = labelOf(METHODS)

export const consentKeys = {
  list: (customerId: number) => ['customers', 'one', customerId, 'consents'] as const,
}

export function useConsents(customerId: number) {
  return useQuery({
    queryKey: consentKeys.list(customerId),
    queryFn: () => unwrap(api.GET('/api/customers/{id}/consents', { params: { path: { id: customerId } } })),
  })
}

export function useCreateConsent(customerId: number) {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (body: ConsentInput) =>
      unwrap(api.POST('/api/customers/{id}/consents', { params: { path: { id: customerId } }, body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: consentKeys.list(customerId) }),
  })
}

export function useWithdrawConsent(customerId: number) {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: ({ id, reason }: { id: number; reason?: string }) =>
      unwrap(api.POST('/api/consents/{id}/withdraw', { params: { path: { id } }, body: { reason: reason || null } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: consentKeys.list(customerId) }),
  })
}

/** Today in the broker's calendar (UTC+8), `YYYY-MM-DD`. */
export function businessToday(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10)
}
