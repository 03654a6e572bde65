import { useQuery } from '@tanstack/react-query'
import { api } from '../api/client'
import { unwrap } from '../api/errors'
import { useMe } from '../auth/useAuth'

export const usersQueryKey = ['users'] as const

/** The user list (admin only); staff get an empty list instead of a 403. */
export function useUsers() {
  const me = useMe()
  const isAdmin = me.data?.role === 'admin'
  return useQuery({
    queryKey: usersQueryKey,
    queryFn: () => unwrap(api.GET('/api/users')),
    enabled: isAdmin,
    staleTime: 60_000,
  })
}

/** id → display name for owner columns. */
export function useUserNames(): Map<number, string> {
  const users = useUsers()
  const me = useMe()
  const m = new Map<number, string>()
  for (const u of users.data ?? []) m.set(u.id, u.display_name || u.username)
  if (me.data) m.set(me.data.id, me.data.display_name || me.data.username)
  return m
}
