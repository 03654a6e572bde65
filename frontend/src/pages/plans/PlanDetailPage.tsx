import { useNavigate, useParams } from 'react-router'
import { App, Button, Card, Checkbox, Col, Descriptions, List, Row, Segmented, Space, Table, Tag, Typography } from 'antd'
import { ArrowRightOutlined } from '@ant-design/icons'
import { errorMessage } from '../../api/errors'
import type { Plan, PlanPatch } from '../../api/types'
import { CompositionList } from '../../components/diagnosis/AmountSummary'
import { GradeBadge } from '../../components/diagnosis/GradeBadge'
import { PlanHeadline, combinedChangeText, deltaText } from '../../components/diagnosis/PlanValue'
import { planCostText, wanText } from '../../components/diagnosis/figures'
import { PageHeader } from '../../components/PageHeader'
import { PageSpin } from '../../components/PageSpin'
import { ErrorResult } from '../../components/ErrorResult'
import { PLAN_KIND_OPTIONS, PLAN_STATUS_OPTIONS, PROVIDER_CATEGORY_OPTIONS, labelOf } from '../../domain/labels'
import { useCustomer } from '../customers/hooks'
import { taskProgress } from './components/PlanCard'
import { providerLine, usePatchPlan, usePlan } from './hooks'

type Delta = Plan['product_changes'][number]

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
  const unlocked = new Set(p.unlocks.map((u) => u.product_id))

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
            <div style={{ marginBottom: 12, fontSize: 15 }}>
              <PlanHeadline plan={p} />
            </div>
            <Descriptions column={{ xs: 1, sm: 2, md: 2, lg: 2, xl: 2, xxl: 2 }} size="small">
              <Descriptions.Item label="改造方向">{labelOf(PLAN_KIND_OPTIONS, p.kind)}</Descriptions.Item>
              <Descriptions.Item label="状态">
                <Segmented
                  size="small"
                  value={p.status}
                  options={PLAN_STATUS_OPTIONS}
                  onChange={(v) => save({ status: v as Plan['status'], tasks: [] }, '状态已更新')}
                />
              </Descriptions.Item>
              <Descriptions.Item label={p.scenario ? '情景测算' : '差距'} span={2}>
                {p.gap}
              </Descriptions.Item>
              <Descriptions.Item label="综合额度" span={2}>
                <span data-testid="plan-combined">{combinedChangeText(p)}</span>
              </Descriptions.Item>
              <Descriptions.Item label="预计费用">{planCostText(p)}</Descriptions.Item>
              <Descriptions.Item label="见效时间">{p.months_to_effect > 0 ? `约 ${p.months_to_effect} 个月` : '立即可办'}</Descriptions.Item>
              <Descriptions.Item label="分类变化" span={2}>
                <Space size={4}>
                  <GradeBadge category={p.category_before} />
                  <ArrowRightOutlined />
                  <GradeBadge category={p.category_after} />
                </Space>
              </Descriptions.Item>
            </Descriptions>
            {p.scenario && (
              <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginTop: 8 }}>
                情景测算：按真实经营增长的可能情形估算，不是为了达到贷款门槛而去做的任务。
              </Typography.Paragraph>
            )}
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
                  { title: p.scenario ? '情景' : '目标', dataIndex: 'to' },
                ]}
              />
            )}
          </Card>
          {p.product_changes.length > 0 && (
            <Card size="small" title="各产品额度变化" style={{ marginTop: 16 }}>
              <Table<Delta>
                size="small"
                pagination={false}
                rowKey="product_id"
                dataSource={p.product_changes}
                data-testid="product-changes"
                columns={[
                  {
                    title: '产品',
                    dataIndex: 'name',
                    render: (n: string, d) => (
                      <>
                        {n}
                        {unlocked.has(d.product_id) && (
                          <Tag color="green" style={{ marginLeft: 6 }}>
                            解锁
                          </Tag>
                        )}
                      </>
                    ),
                  },
                  { title: '变化', key: 'delta', align: 'right', render: (_: unknown, d) => deltaText(d) },
                ]}
              />
            </Card>
          )}
          <Card size="small" title="改造后的组合申请" style={{ marginTop: 16 }}>
            <CompositionList items={p.combination_after} />
            <div style={{ marginTop: 6 }}>
              <Typography.Text type="secondary">合计 {wanText(p.recommended_after_wan)}</Typography.Text>
            </div>
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
          {/* Plans that need no outside help have no provider category: no block then. */}
          {p.provider_category != null && (
            <Card
              size="small"
              title={`推荐服务商（${labelOf(PROVIDER_CATEGORY_OPTIONS, p.provider_category)}）`}
              style={{ marginTop: 16 }}
              data-testid="providers"
            >
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
          )}
        </Col>
      </Row>
    </>
  )
}
