import { useNavigate, useParams } from 'react-router'
import { App, Button, Typography } from 'antd'
import { FileTextOutlined, ProjectOutlined } from '@ant-design/icons'
import { errorMessage } from '../../api/errors'
import { PageHeader } from '../../components/PageHeader'
import { PageSpin } from '../../components/PageSpin'
import { ErrorResult } from '../../components/ErrorResult'
import { useCustomer } from '../customers/hooks'
import { DiagnosisView } from './components/DiagnosisView'
import { useDiagnosis, useGeneratePlans } from './hooks'

export default function DiagnosisPage() {
  const id = Number(useParams().id)
  const navigate = useNavigate()
  const { message } = App.useApp()
  const d = useDiagnosis(id)
  const customer = useCustomer(d.data?.customer_id)
  const gen = useGeneratePlans()

  if (d.isPending) return <PageSpin />
  if (d.isError) return <ErrorResult error={d.error} onRetry={() => d.refetch()} />
  const diag = d.data

  return (
    <>
      <PageHeader
        title={`融资体检：${customer.data?.name ?? `客户 #${diag.customer_id}`}`}
        sub={
          <Typography.Text type="secondary">
            {diag.created_at?.replace('T', ' ').slice(0, 16)} · 规则版本 v{diag.rules_version}
          </Typography.Text>
        }
        extra={
          <>
            <Button onClick={() => navigate(`/customers/${diag.customer_id}`)}>返回客户</Button>
            <Button icon={<FileTextOutlined />} onClick={() => navigate(`/diagnoses/${diag.id}/report`)}>
              客户报告
            </Button>
            <Button
              type="primary"
              icon={<ProjectOutlined />}
              loading={gen.isPending}
              onClick={() =>
                gen.mutate(diag.id, {
                  onSuccess: (plans) => {
                    message.success(`已生成 ${plans.length} 个改造方案`)
                    navigate(`/customers/${diag.customer_id}?tab=plans`)
                  },
                  onError: (e) => message.error(errorMessage(e)),
                })
              }
            >
              生成改造方案
            </Button>
          </>
        }
      />
      <DiagnosisView diagnosis={diag} />
    </>
  )
}
