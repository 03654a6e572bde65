import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../api/client'
import { unwrap } from '../../api/errors'
import type { CustomerInput, CustomerPatch, CustomerQuery } from '../../api/types'

export const customerKeys = {
  all: ['customers'] as const,
  list: (q: CustomerQuery) => ['customers', 'list', q] as const,
  one: (id: number) => ['customers', 'one', id] as const,
  diagnoses: (id: number) => ['customers', 'one', id, 'diagnoses'] as const,
  plans: (id: number) => ['customers', 'one', id, 'plans'] as const,
  timeline: (id: number) => ['customers', 'one', id, 'timeline'] as const,
}

export function useCustomerList(query: CustomerQuery) {
  return useQuery({
    queryKey: customerKeys.list(query),
    queryFn: () => unwrap(api.GET('/api/customers', { params: { query } })),
    placeholderData: keepPreviousData,
  })
}

export function useCustomer(id: number | undefined) {
  return useQuery({
    queryKey: customerKeys.one(id ?? 0),
    queryFn: () => unwrap(api.GET('/api/customers/{id}', { params: { path: { id: id! } } })),
    enabled: id != null && Number.isFinite(id),
  })
}

export function useSaveCustomer(id: number | undefined) {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (body: CustomerInput) =>
      id == null
        ? unwrap(api.POST('/api/customers', { body }))
        : // a PATCH with every field: absent keeps, null clears to unknown (the spec does not mark them nullable)
          unwrap(api.PATCH('/api/customers/{id}', { params: { path: { id } }, body: body as CustomerPatch })),
    onSuccess: (c) => {
      qc.invalidateQueries({ queryKey: customerKeys.all })
      qc.setQueryData(customerKeys.one(c.id), c)
    },
  })
}

export function useDeleteCustomer() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE('/api/customers/{id}', { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: customerKeys.all }),
  })
}

export function useRestoreCustomer() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (id: number) => unwrap(api.POST('/api/customers/{id}/restore', { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: customerKeys.all }),
  })
}

/** Admin: re-run the diagnosis of every customer with the current rules. */
export function useRediagnoseAll() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: () => unwrap(api.POST('/api/diagnoses/rediagnose-all')),
    onSuccess: () => qc.invalidateQueries({ queryKey: customerKeys.all }),
  })
}
