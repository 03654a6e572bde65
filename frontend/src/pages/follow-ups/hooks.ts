import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../api/client'
import { unwrap } from '../../api/errors'
import type { Query, Req, Res } from '../../api/types'
import { customerKeys } from '../customers/hooks'

export type FollowUp = Res<'/api/customers/{id}/follow-ups'>['items'][number]
export type FollowUpInput = Req<'/api/customers/{id}/follow-ups'>
export type FollowUpChange = Req<'/api/follow-ups/{id}', 'patch'>
export type DueWindow = NonNullable<Query<'/api/follow-ups/due'>['when']>
export type DigestSettings = Res<'/api/follow-up-digest'>
export type DigestSettingsInput = Req<'/api/follow-up-digest', 'patch'>

export const followUpKeys = {
  all: ['follow-ups'] as const,
  customer: (id: number) => ['follow-ups', 'customer', id] as const,
  due: (when: DueWindow, assignee?: number) => ['follow-ups', 'due', when, assignee ?? 'me'] as const,
  counts: (assignee?: number) => ['follow-ups', 'counts', assignee ?? 'me'] as const,
  digest: ['follow-up-digest'] as const,
}

export function useFollowUps(customerId: number) {
  return useQuery({
    queryKey: followUpKeys.customer(customerId),
    queryFn: () => unwrap(api.GET('/api/customers/{id}/follow-ups', { params: { path: { id: customerId } } })),
  })
}

export function useDueFollowUps(when: DueWindow, assignee?: number) {
  return useQuery({
    queryKey: followUpKeys.due(when, assignee),
    queryFn: () =>
      unwrap(api.GET('/api/follow-ups/due', { params: { query: { when, assignee_id: assignee } } })),
  })
}

/** The menu badge and the workbench: refreshed every minute, so a due call shows up by itself. */
export function useDueCounts(assignee?: number) {
  return useQuery({
    queryKey: followUpKeys.counts(assignee),
    queryFn: () => unwrap(api.GET('/api/follow-ups/counts', { params: { query: { assignee_id: assignee } } })),
    refetchInterval: 60_000,
  })
}

function useInvalidate(customerId?: number) {
  const qc = useQueryClient()
  return () => {
    void qc.invalidateQueries({ queryKey: followUpKeys.all })
    if (customerId != null) {
      void qc.invalidateQueries({ queryKey: customerKeys.timeline(customerId) })
      void qc.invalidateQueries({ queryKey: customerKeys.one(customerId) })
    }
  }
}

export function useCreateFollowUp(customerId: number) {
  const invalidate = useInvalidate(customerId)
  return useMutation({
    mutationFn: (body: FollowUpInput) =>
      unwrap(api.POST('/api/customers/{id}/follow-ups', { params: { path: { id: customerId } }, body })),
    onSuccess: invalidate,
  })
}

export function useUpdateFollowUp(customerId?: number) {
  const invalidate = useInvalidate(customerId)
  return useMutation({
    mutationFn: ({ id, body }: { id: number; body: FollowUpChange }) =>
      unwrap(api.PATCH('/api/follow-ups/{id}', { params: { path: { id } }, body })),
    onSuccess: invalidate,
  })
}

export function useDigestSettings(enabled: boolean) {
  return useQuery({
    queryKey: followUpKeys.digest,
    queryFn: () => unwrap(api.GET('/api/follow-up-digest')),
    enabled,
  })
}

export function useSaveDigestSettings() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (body: DigestSettingsInput) => unwrap(api.PATCH('/api/follow-up-digest', { body })),
    onSuccess: (s) => qc.setQueryData(followUpKeys.digest, s),
  })
}

export function useTestDigest() {
  return useMutation({ mutationFn: () => unwrap(api.POST('/api/follow-up-digest/test')) })
}
