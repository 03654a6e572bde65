import { useEffect, type ReactNode } from 'react'
import { useQuery } from '@tanstack/react-query'
import { ConfigProvider, App as AntApp } from 'antd'
import zhCN from 'antd/es/locale/zh_CN'
import dayjs from 'dayjs'
import 'dayjs/locale/zh-cn'
import { api } from '../api/client'
import { unwrap } from '../api/errors'
import { BrandingContext, DEFAULT_BRANDING, safeColor, type Branding } from './context'

dayjs.locale('zh-cn')

export const brandingQueryKey = ['branding'] as const

export function useBrandingQuery() {
  return useQuery({
    queryKey: brandingQueryKey,
    queryFn: async (): Promise<Branding> => unwrap(api.GET('/api/branding')),
    staleTime: 5 * 60_000,
    retry: 1,
  })
}

export function BrandingProvider({ children }: { children: ReactNode }) {
  const { data } = useBrandingQuery()
  const b: Branding = {
    ...DEFAULT_BRANDING,
    ...(data ?? {}),
    brand_name: data?.brand_name?.trim() || DEFAULT_BRANDING.brand_name,
    primary_color: safeColor(data?.primary_color, DEFAULT_BRANDING.primary_color),
    secondary_color: safeColor(data?.secondary_color, DEFAULT_BRANDING.secondary_color),
  }

  useEffect(() => {
    document.title = b.brand_name
    document.documentElement.style.setProperty('--brand-primary', b.primary_color)
    document.documentElement.style.setProperty('--brand-secondary', b.secondary_color)
  }, [b.brand_name, b.primary_color, b.secondary_color])

  return (
    <BrandingContext.Provider value={b}>
      <ConfigProvider
        locale={zhCN}
        button={{ autoInsertSpace: false }}
        theme={{ token: { colorPrimary: b.primary_color, colorLink: b.primary_color } }}
      >
        <AntApp>{children}</AntApp>
      </ConfigProvider>
    </BrandingContext.Provider>
  )
}
