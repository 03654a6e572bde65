import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../../api/client'
import { unwrap } from '../../../api/errors'
import type { Res } from '../../../api/types'
import { customerKeys } from '../hooks'

/** Everything held about one customer (个人信息查阅, PIPL Art. 45); admin only, each reading audited. */
export type PersonalData = Res<'/api/customers/{id}/personal-data'>
export type Erased = Res<'/api/customers/{id}/erase', 'post'>

export function usePersonalData(id: number) {
  return useQuery({
    queryKey: ['customers', 'one', id, 'personal-data'] as const,
    queryFn: () => unwrap(api.GET('/api/customers/{id}/personal-data', { params: { path: { id } } })),
    enabled: Number.isFinite(id),
    // Every reading is an audited access: never re-read in the background, and read (and audit)
    // again on the next visit rather than showing a cached copy.
    staleTime: Infinity,
    gcTime: 0,
    refetchOnWindowFocus: false,
  })
}

/** 彻底删除（个人信息删除, PIPL Art. 47): `confirm_name` must equal the company name. */
export function useEraseCustomer() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: ({ id, confirmName }: { id: number; confirmName: string }) =>
      unwrap(api.POST('/api/customers/{id}/erase', { params: { path: { id } }, body: { confirm_name: confirmName } })),
    onSuccess: (_, { id }) => {
      qc.removeQueries({ queryKey: customerKeys.one(id) })
      qc.invalidateQueries({ queryKey: customerKeys.all })
    },
  })
}

/** Saves the document as `个人信息-<id>.json` in the browser. */
export function downloadJson(data: PersonalData) {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' })
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = `个人信息-客户${data.customer_id}.json`
  a.click()
  URL.revokeObjectURL(url)
}
