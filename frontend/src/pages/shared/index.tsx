import { useParams } from 'react-router'
import { useQuery } from '@tanstack/react-query'
import { Button, Result } from 'antd'
import { PrinterOutlined } from '@ant-design/icons'
import { api } from '../../api/client'
import { errorMessage, unwrap } from '../../api/errors'
import { PageSpin } from '../../components/PageSpin'
import { dateText } from '../../domain/time'
import { ReportView } from '../report/ReportView'

/** The report a client opens from a share link, without signing in. */
export default function SharedReportPage() {
  const token = useParams().token ?? ''
  const report = useQuery({
    queryKey: ['shared', token],
    queryFn: () => unwrap(api.GET('/api/shared/{token}', { params: { path: { token } } })),
    retry: false,
    staleTime: Infinity,
  })
  if (report.isPending) return <PageSpin />
  if (report.isError)
    return (
      <div data-testid="shared-gone">
        <Result status="404" title="无法打开报告" subTitle={errorMessage(report.error)} />
      </div>
    )
  const r = report.data
  return (
    <ReportView
      diagnosis={r.diagnosis}
      company={r.company}
      plans={r.plans}
      contact={r.contact_line}
      toolbar={
        <>
          <span className="report-toolbar-note">链接有效至 {dateText(r.expires_at)}</span>
          <Button type="primary" icon={<PrinterOutlined />} onClick={() => window.print()}>
            保存为 PDF
          </Button>
        </>
      }
    />
  )
}
