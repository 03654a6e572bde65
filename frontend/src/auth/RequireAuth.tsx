import type { ReactNode } from 'react'
import { Navigate, useLocation } from 'react-router'
import { Button, Result } from 'antd'
import { getToken } from './token'
import { useMe } from './useAuth'
import { PageSpin } from '../components/PageSpin'
import { errorMessage } from '../api/errors'

export function RequireAuth({ children, allowMustChange = false }: { children: ReactNode; allowMustChange?: boolean }) {
  const loc = useLocation()
  const me = useMe()
  const redirect = encodeURIComponent(loc.pathname + loc.search)
  if (!getToken()) return <Navigate to={`/login?redirect=${redirect}`} replace />
  if (me.isPending) return <PageSpin />
  if (me.isError) {
    return (
      <Result
        status="warning"
        title="无法获取当前用户"
        subTitle={errorMessage(me.error)}
        extra={<Button onClick={() => me.refetch()}>重试</Button>}
      />
    )
  }
  if (me.data.must_change_password && !allowMustChange) return <Navigate to="/change-password" replace />
  return <>{children}</>
}
