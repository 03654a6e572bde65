import { useNavigate, useParams } from 'react-router'
import { App, Button, Space, Typography } from 'antd'
import { FileTextOutlined, ProjectOutlined } from '@ant-design/icons'
import { errorMessage } from '../../api/errors'
import { PageHeader } from '../../components/PageHeader'
import { PageSpin } from '../../components/PageSpin'
import { ErrorResult } from '../../components/ErrorResult'
import { NoPlanAdviceAlert } from '../../components/diagnosis/NoPlanAdvice'
import { useCustomer } from '../customers/hooks'
import { DiagnosisView } from './components/DiagnosisView'
import { ShareReportButton } from './components/ShareReportButton'
import { useDiagnosis, useGeneratePlansFor } from './hooks'

export default function DiagnosisPage() {
  const id = Number(useParams().id)
  const navigate = useNavigate()
  const { message } = App.useApp()
  const d = useDiagnosis(id)
  const customer = useCustomer(d.data?.customer_id)
  const gen = useGeneratePlansFor(id, d.data?.customer_id ?? 0)

  if (d.isPending) return <PageSpin />
  if (d.isError) return <ErrorResult error={d.error} onRetry={() => d.refetch()} />
  const diag = d.data

  return (
    <>
      <PageHeader
        title={customer.data ? `融资体检：${customer.data.name}` : '融资体检'}
        sub={<Typography.Text type="secondary">{diag.created_at?.replace('T', ' ').slice(0, 16)}</Typography.Text>}
        extra={
          <>
            <Button onClick={() => navigate(`/customers/${diag.customer_id}`)}>返回客户</Button>
            <Button icon={<FileTextOutlined />} onClick={() => navigate(`/diagnoses/${diag.id}/report`)}>
              客户报告
            </Button>
            <ShareReportButton diagnosisId={diag.id} />
            <Button
              type="primary"
              icon={<ProjectOutlined />}
              loading={gen.isPending}
              onClick={() =>
                gen.run(
                  (g) => {
                    if (g.kind === 'none') return
                    message.success(
                      g.kind === 'created' ? `已生成 ${g.plans.length} 个改造方案` : '方案已是最新：已开始的方案保留，未重复生成',
                    )
                    navigate(`/customers/${diag.customer_id}?tab=plans`)
                  },
                  (e) => message.error(errorMessage(e)),
                )
              }
            >
              生成改造方案
            </Button>
          </>
        }
      />
      <Space direction="vertical" size="middle" style={{ width: '100%' }}>
        {gen.noPlans && <NoPlanAdviceAlert diagnosis={diag} onClose={gen.dismiss} />}
        <DiagnosisView diagnosis={diag} />
      </Space>
    </>
  )
}
