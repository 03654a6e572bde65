import type { ReactNode } from 'react'
import { useNavigate } from 'react-router'
import { Button } from 'antd'
import { ArrowLeftOutlined, PrinterOutlined } from '@ant-design/icons'
import { useBranding } from '../branding/context'
import { BrandLogo } from '../branding/BrandLogo'
import '../pages/report/report.css'

/**
 * A branded A4 page outside the layout (委托协议, 授权书, 个人信息查阅): 返回 and 打印 above it, the
 * broker's logo and name at its head.
 */
export function PrintSheet({
  back,
  actions,
  className,
  testId,
  subtitle = '企业融资咨询服务',
  children,
}: {
  back: string
  actions?: ReactNode
  className: string
  testId: string
  subtitle?: string
  children: ReactNode
}) {
  const navigate = useNavigate()
  const brand = useBranding()
  return (
    <div className="report-shell">
      <div className="report-toolbar">
        <Button icon={<ArrowLeftOutlined />} onClick={() => navigate(back)}>
          返回
        </Button>
        {actions}
        <Button type="primary" icon={<PrinterOutlined />} onClick={() => window.print()}>
          打印 / 保存为 PDF
        </Button>
      </div>
      <article className={`report-page ${className}`} data-testid={testId}>
        <header className="report-head">
          <BrandLogo size={40} />
          <div style={{ flex: 1 }}>
            <div className="brand">{brand.brand_name}</div>
            <div style={{ color: '#86909c' }}>{subtitle}</div>
          </div>
        </header>
        {children}
      </article>
    </div>
  )
}
