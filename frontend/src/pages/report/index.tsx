import { useNavigate, useParams } from 'react-router'
import { Button } from 'antd'
import { ArrowLeftOutlined, PrinterOutlined } from '@ant-design/icons'
import { useMe } from '../../auth/useAuth'
import { PageSpin } from '../../components/PageSpin'
import { ErrorResult } from '../../components/ErrorResult'
import { useCustomer } from '../customers/hooks'
import { useDiagnosis } from '../diagnosis/hooks'
import { ShareReportButton } from '../diagnosis/components/ShareReportButton'
import { useCustomerPlans } from '../plans/hooks'
import { ReportView } from './ReportView'

export default function ReportPage() {
  const id = Number(useParams().id)
  const navigate = useNavigate()
  const me = useMe()
  const d = useDiagnosis(id)
  const customer = useCustomer(d.data?.customer_id)
  const plans = useCustomerPlans(d.data?.customer_id ?? 0)

  if (d.isPending || (d.data && customer.isPending)) return <PageSpin />
  if (d.isError) return <ErrorResult error={d.error} onRetry={() => d.refetch()} />
  if (customer.isError) return <ErrorResult error={customer.error} onRetry={() => customer.refetch()} />
  const diag = d.data
  const contact = me.data?.display_name ? `客户经理：${me.data.display_name}` : ''

  return (
    <ReportView
      diagnosis={diag}
      company={customer.data!}
      plans={plans.data ?? []}
      contact={contact}
      toolbar={
        <>
          <Button icon={<ArrowLeftOutlined />} onClick={() => navigate(`/diagnoses/${diag.id}`)}>
            返回
          </Button>
          <ShareReportButton diagnosisId={diag.id} />
          <Button type="primary" icon={<PrinterOutlined />} onClick={() => window.print()}>
            打印 / 保存为 PDF
          </Button>
        </>
      }
    />
  )
}
