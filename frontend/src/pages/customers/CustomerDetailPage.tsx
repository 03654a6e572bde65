import { useNavigate, useParams, useSearchParams } from 'react-router'
import { useState } from 'react'
import { App, Button, Card, Popconfirm, Space, Tabs, Tag, Typography } from 'antd'
import { DeleteOutlined, EditOutlined, ExperimentOutlined, ProfileOutlined, ProjectOutlined } from '@ant-design/icons'
import { errorMessage } from '../../api/errors'
import { useMe, useRights } from '../../auth/useAuth'
import { GradeBadge } from '../../components/diagnosis/GradeBadge'
import { NoPlanAdviceAlert } from '../../components/diagnosis/NoPlanAdvice'
import { wanText } from '../../components/diagnosis/figures'
import { PageHeader } from '../../components/PageHeader'
import { PageSpin } from '../../components/PageSpin'
import { ErrorResult } from '../../components/ErrorResult'
import { STAGE_OPTIONS, labelOf } from '../../domain/labels'
import { useUserNames } from '../../hooks/useUsers'
import { useDiagnosis, useGeneratePlansFor, useRunDiagnosis } from '../diagnosis/hooks'
import { PlanBoard } from '../plans/components/PlanBoard'
import { useCustomerPlans } from '../plans/hooks'
import { CustomerOverview } from './components/CustomerOverview'
import { DiagnosisHistory } from './components/DiagnosisHistory'
import { TimelineTab } from './components/TimelineTab'
import { AgreementsTab } from './components/AgreementsTab'
import { ConsentsTab } from './components/ConsentsTab'
import { DocumentsTab } from './components/DocumentsTab'
import { ApplicationsTab } from './components/ApplicationsTab'
import { FollowUpsTab } from './components/FollowUpsTab'
import { EraseCustomerModal } from './components/EraseCustomerModal'
import { useCustomer, useDeleteCustomer, useRestoreCustomer } from './hooks'

function PlansTab({ customerId, latestDiagnosisId }: { customerId: number; latestDiagnosisId?: number | null }) {
  const plans = useCustomerPlans(customerId)
  const gen = useGeneratePlansFor(latestDiagnosisId ?? 0, customerId)
  // Read only to explain an empty generation, by the diagnosis the plans were generated from.
  const latest = useDiagnosis(gen.noPlans && latestDiagnosisId != null ? latestDiagnosisId : undefined)
  const { message } = App.useApp()
  if (plans.isPending) return <PageSpin />
  if (plans.isError) return <ErrorResult error={plans.error} onRetry={() => plans.refetch()} />
  return (
    <>
      {latestDiagnosisId != null && (
        <div className="toolbar">
          <Button
            icon={<ProjectOutlined />}
            loading={gen.isPending}
            onClick={() =>
              gen.run(
                (g) => {
                  if (g.kind === 'created') message.success(`已生成 ${g.plans.length} 个改造方案`)
                  else if (g.kind === 'kept') message.info('方案已是最新：已开始的方案保留，未重复生成')
                  plans.refetch()
                },
                (e) => message.error(errorMessage(e)),
              )
            }
          >
            按最新诊断生成方案
          </Button>
        </div>
      )}
      {gen.noPlans && latest.data && (
        <div style={{ marginBottom: 16 }}>
          <NoPlanAdviceAlert diagnosis={latest.data} onClose={gen.dismiss} />
        </div>
      )}
      <PlanBoard
        plans={plans.data}
        empty={latestDiagnosisId != null ? '暂无改造方案：点击“按最新诊断生成方案”' : '暂无改造方案：先运行诊断，再生成方案'}
      />
    </>
  )
}

export default function CustomerDetailPage() {
  const id = Number(useParams().id)
  const [sp, setSp] = useSearchParams()
  const tab = sp.get('tab') ?? 'overview'
  const navigate = useNavigate()
  const { message } = App.useApp()
  const c = useCustomer(id)
  const names = useUserNames()
  const run = useRunDiagnosis()
  const del = useDeleteCustomer()
  const restore = useRestoreCustomer()
  const rights = useRights()
  const isAdmin = useMe().data?.role === 'admin'
  const [erasing, setErasing] = useState(false)

  if (c.isPending) return <PageSpin />
  if (c.isError) return <ErrorResult error={c.error} onRetry={() => c.refetch()} />
  const cu = c.data
  const latestId = cu.latest_diagnosis_id

  return (
    <>
      <PageHeader
        title={
          <Space wrap>
            {cu.name}
            <GradeBadge category={cu.latest_category} />
            <Tag>{labelOf(STAGE_OPTIONS, cu.stage)}</Tag>
            {cu.deleted_at && <Tag color="red">已删除</Tag>}
          </Space>
        }
        sub={cu.uscc ?? undefined}
        extra={
          <>
            {isAdmin && (
              <Button icon={<ProfileOutlined />} data-testid="personal-data-link" onClick={() => navigate(`/customers/${id}/personal-data`)}>
                个人信息查阅
              </Button>
            )}
            {cu.deleted_at ? (
            <Button onClick={() => restore.mutate(id, { onSuccess: () => message.success('已恢复'), onError: (e) => message.error(errorMessage(e)) })}>
              恢复
            </Button>
          ) : (
            <>
              <Button icon={<EditOutlined />} onClick={() => navigate(`/customers/${id}/edit`)}>
                编辑
              </Button>
              {rights.canDelete && (
              <Popconfirm
                title="删除此客户？"
                description="删除后可在回收站恢复"
                onConfirm={() =>
                  del.mutateAsync(id).then(
                    () => {
                      message.success('已移入回收站')
                      navigate('/customers')
                    },
                    (e) => message.error(errorMessage(e)),
                  )
                }
              >
                <Button danger icon={<DeleteOutlined />}>
                  删除
                </Button>
              </Popconfirm>
              )}
              <Button
                type="primary"
                icon={<ExperimentOutlined />}
                loading={run.isPending}
                onClick={() =>
                  run.mutate(id, {
                    onSuccess: (d) => navigate(`/diagnoses/${d.id}`),
                    onError: (e) => message.error(errorMessage(e)),
                  })
                }
              >
                运行诊断
              </Button>
            </>
          )}
          </>
        }
      />
      {cu.latest_total != null && (
        <Typography.Paragraph type="secondary">
          最近一次诊断总分 {cu.latest_total.toFixed(1)}
          {cu.latest_recommended_wan != null && ` · 综合可贷额度 ${wanText(cu.latest_recommended_wan)}`}
          {latestId != null && (
            <Button type="link" size="small" onClick={() => navigate(`/diagnoses/${latestId}`)}>
              查看诊断
            </Button>
          )}
        </Typography.Paragraph>
      )}
      <Tabs
        activeKey={tab}
        onChange={(k) => setSp(k === 'overview' ? {} : { tab: k }, { replace: true })}
        items={[
          { key: 'overview', label: '概览', children: <CustomerOverview c={cu} ownerName={cu.owner_id != null ? names.get(cu.owner_id) : undefined} /> },
          { key: 'diagnoses', label: '诊断', children: <DiagnosisHistory customerId={id} /> },
          { key: 'plans', label: '改造方案', children: <PlansTab customerId={id} latestDiagnosisId={latestId} /> },
          { key: 'follow-ups', label: '跟进', children: <FollowUpsTab customerId={id} /> },
          { key: 'timeline', label: '动态', children: <TimelineTab customerId={id} /> },
          { key: 'documents', label: '资料', children: <DocumentsTab customerId={id} latestDiagnosisId={latestId} /> },
          { key: 'applications', label: '进件', children: <ApplicationsTab customerId={id} /> },
          { key: 'agreements', label: '收费协议', children: <AgreementsTab customerId={id} /> },
          { key: 'consents', label: '授权', children: <ConsentsTab customerId={id} /> },
        ]}
      />
      {isAdmin && (
        <Card size="small" title="危险操作" className="danger-zone" style={{ marginTop: 24, borderColor: '#ffccc7' }}>
          <Space wrap>
            <Button danger data-testid="erase-open" onClick={() => setErasing(true)}>
              彻底删除（个人信息删除）
            </Button>
            <Typography.Text type="secondary">按客户的删除请求永久删除该客户及其全部记录，不可恢复。</Typography.Text>
          </Space>
        </Card>
      )}
      {isAdmin && (
        <EraseCustomerModal
          customer={cu}
          open={erasing}
          onClose={() => setErasing(false)}
          onErased={() => navigate('/customers', { replace: true })}
        />
      )}
    </>
  )
}
