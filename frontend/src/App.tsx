import { Suspense, useEffect } from 'react'
import { Navigate, Route, Routes, useNavigate } from 'react-router'
import { useQueryClient } from '@tanstack/react-query'
import { Button, Result } from 'antd'
import { setUnauthorizedHandler } from './api/client'
import { RequireAuth } from './auth/RequireAuth'
import { useMe } from './auth/useAuth'
import { PageSpin } from './components/PageSpin'
import { AgreementPrintPage, AppLayout, ChangePasswordPage, ConsentPrintPage, LoginPage, PersonalDataPage, ReportPage, SharedReportPage, appRoutes, canOpen, type AppRoute } from './routes'

function UnauthorizedBridge() {
  const navigate = useNavigate()
  const qc = useQueryClient()
  useEffect(() => {
    setUnauthorizedHandler(() => {
      qc.clear()
      const here = location.pathname + location.search
      if (!location.pathname.startsWith('/login')) navigate(`/login?redirect=${encodeURIComponent(here)}`, { replace: true })
    })
  }, [navigate, qc])
  return null
}

function Guarded({ route }: { route: AppRoute }) {
  const me = useMe()
  if (!canOpen(route, me.data?.role)) {
    return <Result status="403" title="无权访问" subTitle="此页面仅管理员可用" />
  }
  const Page = route.component
  return <Page />
}

function NotFound() {
  const navigate = useNavigate()
  return (
    <Result
      status="404"
      title="页面不存在"
      extra={
        <Button type="primary" onClick={() => navigate('/dashboard')}>
          返回工作台
        </Button>
      }
    />
  )
}

export default function App() {
  return (
    <Suspense fallback={<PageSpin />}>
      <UnauthorizedBridge />
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="/r/:token" element={<SharedReportPage />} />
        <Route
          path="/change-password"
          element={
            <RequireAuth allowMustChange>
              <ChangePasswordPage />
            </RequireAuth>
          }
        />
        <Route
          path="/customers/:id/agreements/:aid/print"
          element={
            <RequireAuth>
              <AgreementPrintPage />
            </RequireAuth>
          }
        />
        <Route
          path="/customers/:id/consents/print"
          element={
            <RequireAuth>
              <ConsentPrintPage />
            </RequireAuth>
          }
        />
        <Route
          path="/customers/:id/personal-data"
          element={
            <RequireAuth>
              <Guarded route={{ path: '/customers/:id/personal-data', roles: ['admin'], component: PersonalDataPage }} />
            </RequireAuth>
          }
        />
        <Route
          path="/diagnoses/:id/report"
          element={
            <RequireAuth>
              <ReportPage />
            </RequireAuth>
          }
        />
        <Route
          element={
            <RequireAuth>
              <AppLayout />
            </RequireAuth>
          }
        >
          <Route index element={<Navigate to="/dashboard" replace />} />
          {appRoutes.map((r) => (
            <Route key={r.path} path={r.path} element={<Guarded route={r} />} />
          ))}
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </Suspense>
  )
}
