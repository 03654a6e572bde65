import { useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../api/client'
import { unwrap } from '../api/errors'
import { clearToken, getToken, setToken } from './token'

export type Role = 'admin' | 'staff'

export interface Me {
  id: number
  username: string
  display_name: string
  role: Role
  must_change_password: boolean
  data_scope: 'own' | 'all'
  can_export: boolean
  can_delete: boolean
}

export const meQueryKey = ['me'] as const

/** What the signed-in account may do beyond its role (admins: everything). */
export function useRights() {
  const me = useMe().data
  const admin = me?.role === 'admin'
  return {
    canExport: admin || !!me?.can_export,
    canDelete: admin || !!me?.can_delete,
    seesAll: admin || me?.data_scope === 'all',
  }
}

export function useMe() {
  const token = getToken()
  return useQuery({
    queryKey: meQueryKey,
    queryFn: async (): Promise<Me> => (await unwrap(api.GET('/api/auth/me'))) as Me,
    enabled: !!token,
    staleTime: 60_000,
    retry: false,
  })
}

export interface TokenResponse {
  access_token: string
  must_change_password: boolean
}

export function useAuthActions() {
  const qc = useQueryClient()
  return {
    /** Stores the token; the caller routes to /change-password when required. */
    async acceptToken(t: TokenResponse) {
      setToken(t.access_token)
      qc.removeQueries({ queryKey: meQueryKey })
      await qc.fetchQuery({ queryKey: meQueryKey, queryFn: async () => (await unwrap(api.GET('/api/auth/me'))) as Me })
    },
    /** Ends the session on the server too (the token is revoked there), then forgets it here. */
    async logout() {
      try {
        await api.POST('/api/auth/logout')
      } catch {
        // Offline or already expired: forgetting the token locally is all that is left to do.
      }
      clearToken()
      qc.clear()
    },
  }
}
