import { useNavigate } from 'react-router'
import { useQuery } from '@tanstack/react-query'
import { Card, Col, List, Row, Statistic, Typography } from 'antd'
import { api } from '../../api/client'
import { unwrap } from '../../api/errors'
import type { Dashboard } from '../../api/types'
import { useBranding } from '../../branding/context'
import { Chart } from '../../components/charts/Chart'
import { ErrorResult } from '../../components/ErrorResult'
import { PageHeader } from '../../components/PageHeader'
import { PageSpin } from '../../components/PageSpin'
import { STATUS_HEX as APPLICATION_HEX, statusLabel, useApplicationStats } from '../applications/api'
import { DueList } from '../follow-ups/DueList'
import { useDueCounts } from '../follow-ups/hooks'
import { CATEGORY_COLORS, PLAN_STATUS_OPTIONS, STAGE_OPTIONS, actionLabel, labelOf } from '../../domain/labels'

const CAT_HEX: Record<string, string> = { A: '#52c41a', B: '#faad14', C: '#f5222d', none: '#bfbfbf' }
const STATUS_HEX: Record<string, string> = { pending: '#bfbfbf', in_progress: '#1677ff', completed: '#52c41a' }

function pie(data: { name: string; value: number; color?: string }[]) {
  return {
    tooltip: { trigger: 'item' },
    legend: { bottom: 0 },
    series: [
      {
        type: 'pie',
        radius: ['40%', '68%'],
        data: data
          .filter((d) => d.value > 0)
          .map((d) => ({ name: d.name, value: d.value, itemStyle: d.color ? { color: d.color } : undefined })),
        label: { position: 'inside', formatter: '{c}', color: '#fff', fontWeight: 600 },
      },
    ],
  }
}

function bars(labels: string[], series: { name: string; data: number[]; color: string }[], unit = '') {
  return {
    tooltip: { trigger: 'axis' },
    legend: series.length > 1 ? { bottom: 0 } : undefined,
    grid: { left: 40, right: 16, top: 16, bottom: series.length > 1 ? 48 : 24, containLabel: true },
    xAxis: { type: 'category', data: labels },
    yAxis: { type: 'value', minInterval: unit ? undefined : 1 },
    series: series.map((s) => ({ type: 'bar', name: s.name, data: s.data, itemStyle: { color: s.color }, barMaxWidth: 36 })),
  }
}

/** 进件: by status, disbursed per month (last 12), approval rate by product. */
function ApplicationCharts() {
  const brand = useBranding()
  const s = useApplicationStats()
  if (s.isError) return <ErrorResult error={s.error} onRetry={() => s.refetch()} />
  if (!s.data) return null
  const st = s.data
  const rated = st.approval_by_product.filter((p) => p.approval_rate_pct != null).slice(0, 8)
  return (
    <Row gutter={[16, 16]} style={{ marginTop: 16 }} data-testid="dashboard-applications">
      <Col xs={24} md={12} xl={8}>
        <Card size="small" title={`进件状态（共 ${st.total} 笔）`}>
          <Chart
            height={260}
            option={pie(st.by_status.map((b) => ({ name: statusLabel(b.status), value: b.count, color: APPLICATION_HEX[b.status] })))}
          />
        </Card>
      </Col>
      <Col xs={24} md={12} xl={8}>
        <Card size="small" title="每月放款金额（万元）">
          <Chart
            height={260}
            option={bars(
              st.disbursed_by_month.map((m) => m.month.slice(2)),
              [{ name: '放款金额', data: st.disbursed_by_month.map((m) => m.disbursed_wan), color: brand.primary_color }],
              '万',
            )}
          />
        </Card>
      </Col>
      <Col xs={24} xl={8}>
        <Card size="small" title="各产品批复率">
          <List
            size="small"
            dataSource={rated}
            locale={{ emptyText: '还没有银行已答复的进件' }}
            renderItem={(p) => (
              <List.Item data-testid="dashboard-approval-rate">
                <Typography.Text ellipsis style={{ maxWidth: '60%' }}>
                  {p.name}
                </Typography.Text>
                <span>
                  <b>{p.approval_rate_pct}%</b>
                  <Typography.Text type="secondary">（{p.approved}/{p.decided}）</Typography.Text>
                </span>
              </List.Item>
            )}
          />
        </Card>
      </Col>
    </Row>
  )
}

/** 今日待跟进 and 已逾期, the broker's first look of the day. */
function DueToday() {
  const counts = useDueCounts()
  const c = counts.data
  return (
    <Row gutter={[16, 16]} style={{ marginBottom: 16 }} data-testid="dashboard-due">
      <Col xs={24} md={12}>
        <Card size="small" title={`今日待跟进${c ? `（${c.today - c.overdue}）` : ''}`}>
          <DueList when="today" hideOverdue limit={5} empty="今天没有安排的跟进" />
        </Card>
      </Col>
      <Col xs={24} md={12}>
        <Card
          size="small"
          title={<Typography.Text type={c && c.overdue > 0 ? 'danger' : undefined}>已逾期{c ? `（${c.overdue}）` : ''}</Typography.Text>}
        >
          <DueList when="overdue" limit={5} empty="没有逾期的跟进" />
        </Card>
      </Col>
    </Row>
  )
}

export default function DashboardPage() {
  const brand = useBranding()
  const navigate = useNavigate()
  const q = useQuery({ queryKey: ['dashboard'], queryFn: () => unwrap(api.GET('/api/dashboard')) })
  if (q.isPending)
    return (
      <>
        <PageHeader title="工作台" />
        <PageSpin />
      </>
    )
  if (q.isError)
    return (
      <>
        <PageHeader title="工作台" />
        <ErrorResult error={q.error} onRetry={() => q.refetch()} />
      </>
    )
  const d: Dashboard = q.data
  const catLabel = (k: string) => (k === 'none' ? '未诊断' : `${k} 类`)

  return (
    <>
      <PageHeader title="工作台" />
      <DueToday />
      <Row gutter={[16, 16]}>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic title="客户总数" value={d.customers_total} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic title="A 类客户" value={d.by_category.find((c) => c.key === 'A')?.count ?? 0} valueStyle={{ color: CAT_HEX.A }} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic title="贷款需求合计" value={d.requested_wan} suffix="万" precision={0} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic title="预计可贷合计" value={d.estimated_wan} suffix="万" precision={0} valueStyle={{ color: brand.primary_color }} />
          </Card>
        </Col>
        <Col xs={24} md={12} xl={8}>
          <Card size="small" title="客户分类">
            <Chart
              height={260}
              option={pie(d.by_category.map((c) => ({ name: c.label || catLabel(c.key), value: c.count, color: CAT_HEX[c.key] ?? CATEGORY_COLORS[c.key] })))}
            />
          </Card>
        </Col>
        <Col xs={24} md={12} xl={8}>
          <Card size="small" title="跟进阶段">
            <Chart
              height={260}
              option={bars(
                d.by_stage.map((s) => s.label || labelOf(STAGE_OPTIONS, s.key)),
                [{ name: '客户数', data: d.by_stage.map((s) => s.count), color: brand.primary_color }],
              )}
            />
          </Card>
        </Col>
        <Col xs={24} md={12} xl={8}>
          <Card size="small" title="改造方案状态">
            <Chart
              height={260}
              option={pie(d.plans_by_status.map((p) => ({ name: p.label || labelOf(PLAN_STATUS_OPTIONS, p.key), value: p.count, color: STATUS_HEX[p.key] })))}
            />
          </Card>
        </Col>
        <Col xs={24} md={12} xl={12}>
          <Card size="small" title="需求额度 vs 预计可贷（按分类，万元）">
            <Chart
              height={260}
              option={bars(
                d.amounts_by_category.map((a) => catLabel(a.category)),
                [
                  { name: '需求', data: d.amounts_by_category.map((a) => a.requested_wan), color: brand.secondary_color },
                  { name: '预计可贷', data: d.amounts_by_category.map((a) => a.estimated_wan), color: brand.primary_color },
                ],
                '万',
              )}
            />
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <Card size="small" title="最近动态">
            <List
              size="small"
              dataSource={d.recent_activity.slice(0, 10)}
              locale={{ emptyText: '暂无动态' }}
              renderItem={(r) => (
                <List.Item
                  onClick={() => r.resource_type === 'customer' && r.resource_id && navigate(`/customers/${r.resource_id}`)}
                  style={{ cursor: r.resource_type === 'customer' ? 'pointer' : undefined }}
                >
                  <Typography.Text type="secondary" style={{ marginRight: 8 }}>
                    {r.at.replace('T', ' ').slice(5, 16)}
                  </Typography.Text>
                  {r.username ?? '系统'} · {actionLabel(r.action)}
                  {r.resource_id ? ` #${r.resource_id}` : ''}
                </List.Item>
              )}
            />
          </Card>
        </Col>
      </Row>
      <ApplicationCharts />
    </>
  )
}
