import { useNavigate, useParams } from 'react-router'
import { App, Button, Card, Checkbox, Col, Descriptions, List, Row, Segmented, Space, Table, Typography } from 'antd'
import { ArrowRightOutlined } from '@ant-design/icons'
import { errorMessage } from '../../api/errors'
import type { Plan, PlanPatch } from '../../api/types'
import { CategoryTag } from '../../components/CategoryTag'
import { PageHeader } from '../../components/PageHeader'
import { PageSpin } from '../../components/PageSpin'
import { ErrorResult } from '../../components/ErrorResult'
import { PLAN_KIND_OPTIONS, PLAN_STATUS_OPTIONS, PROVIDER_CATEGORY_OPTIONS, labelOf } from '../../domain/labels'
import { useCustomer } from '../customers/hooks'
import { taskProgress } from './components/PlanCard'
import { providerLine, usePatchPlan, usePlan } from './hooks'

const cost = (p: Plan) =>
  p.cost_min_wan === p.cost_max_wan ? `${p.cost_min_wan} 万元` : `${p.cost_min_wan}–${p.cost_max_wan} 万元`

export default function PlanDetailPage() {
  const id = Number(useParams().id)
  const navigate = useNavigate()
  const { message } = App.useApp()
  const plan = usePlan(id)
  const customer = useCustomer(plan.data?.customer_id)
  const patch = usePatchPlan()

  if (plan.isPending) return <PageSpin />
  if (plan.isError) return <ErrorResult error={plan.error} onRetry={() => plan.refetch()} />
  const p: Plan = plan.data

  function save(changes: PlanPatch, ok: string) {
    patch.mutate({ id: p.id, patch: changes }, { onSuccess: () => message.success(ok), onError: (e) => message.error(errorMessage(e)) })
  }

  return (
    <>
      <PageHeader
        title={p.title}
        sub={customer.data?.name}
        extra={
          <>
            <Button onClick={() => navigate(`/customers/${p.customer_id}?tab=plans`)}>返回客户</Button>
            <Button onClick={() => navigate('/plans')}>方案看板</Button>
          </>
        }
      />
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={14}>
          <Card size="small" title="方案概要">
            <Descriptions column={{ xs: 1, sm: 2, md: 2, lg: 2, xl: 2, xxl: 2 }} size="small">
              <Descriptions.Item label="改造方向">{labelOf(PLAN_KIND_OPTIONS, p.kind)}</Descriptions.Item>
              <Descriptions.Item label="状态" span={2}>
                <Segmented
                  size="small"
                  value={p.status}
                  options={PLAN_STATUS_OPTIONS}
                  onChange={(v) => save({ status: v as Plan['status'], tasks: [] }, '状态已更新')}
                />
              </Descriptions.Item>
              <Descriptions.Item label="差距" span={2}>
                {p.gap}
              </Descriptions.Item>
              <Descriptions.Item label="预计提额">+{p.estimated_increase_wan} 万元</Descriptions.Item>
              <Descriptions.Item label="预计费用">{cost(p)}</Descriptions.Item>
              <Descriptions.Item label="见效时间">{p.months_to_effect} 个月</Descriptions.Item>
              <Descriptions.Item label="分类变化">
                <Space size={4}>
                  <CategoryTag category={p.category_before} />
                  <ArrowRightOutlined />
                  <CategoryTag category={p.category_after} />
                </Space>
              </Descriptions.Item>
            </Descriptions>
            {p.changes.length > 0 && (
              <Table
                size="small"
                style={{ marginTop: 12 }}
                pagination={false}
                rowKey="field"
                dataSource={p.changes}
                columns={[
                  { title: '指标', dataIndex: 'label' },
                  { title: '现在', dataIndex: 'from' },
                  { title: '目标', dataIndex: 'to' },
                ]}
              />
            )}
          </Card>
        </Col>
        <Col xs={24} lg={10}>
          <Card size="small" title={`任务清单（完成 ${taskProgress(p)}%）`}>
            <List
              size="small"
              dataSource={p.tasks.map((t, i) => ({ ...t, i }))}
              locale={{ emptyText: '无任务' }}
              renderItem={(t) => (
                <List.Item>
                  <Checkbox
                    checked={t.done}
                    disabled={patch.isPending}
                    onChange={(e) =>
                      save(
                        { tasks: [{ index: t.i, done: e.target.checked }] },
                        e.target.checked ? '任务已完成' : '已取消勾选',
                      )
                    }
                  >
                    <Typography.Text delete={t.done}>{t.text}</Typography.Text>
                  </Checkbox>
                </List.Item>
              )}
            />
          </Card>
          <Card size="small" title={`推荐服务商（${labelOf(PROVIDER_CATEGORY_OPTIONS, p.provider_category)}）`} style={{ marginTop: 16 }}>
            <List
              size="small"
              dataSource={p.providers}
              locale={{ emptyText: '暂无该类服务商，可在“服务商”中添加' }}
              renderItem={(x) => (
                <List.Item>
                  <List.Item.Meta title={x.name} description={providerLine(x)} />
                </List.Item>
              )}
            />
          </Card>
        </Col>
      </Row>
    </>
  )
}
