import { useState } from 'react'
import { Link } from 'react-router'
import { Card, Col, DatePicker, Row, Statistic, Table, Tag, Typography } from 'antd'
import dayjs from 'dayjs'
import { Chart } from '../../components/charts/Chart'
import { ErrorResult } from '../../components/ErrorResult'
import { PageHeader } from '../../components/PageHeader'
import { PageSpin } from '../../components/PageSpin'
import { FEE_DUE_LABELS, useIncome, type IncomeSummary } from '../customers/components/agreementsApi'

type Line = IncomeSummary['lines'][number]

/** 收入: fees due, received and outstanding and the commissions per month (UTC+8), and the month's 对账. */
export default function IncomePage() {
  const [month, setMonth] = useState<string | undefined>(undefined)
  const q = useIncome(month)
  if (q.isPending) return <PageSpin />
  if (q.isError) return <ErrorResult error={q.error} onRetry={() => q.refetch()} />
  const d = q.data
  const current = d.months.find((m) => m.month === d.month)
  return (
    <>
      <PageHeader
        title="收入"
        sub="服务费按到期月份（签约日或放款日）统计；返佣随对应放款计入"
        extra={
          <DatePicker
            picker="month"
            allowClear={false}
            value={dayjs(`${d.month}-01`)}
            onChange={(v) => v && setMonth(v.format('YYYY-MM'))}
            disabledDate={(v) => v.isAfter(dayjs(), 'month')}
          />
        }
      />
      <Row gutter={[16, 16]} data-testid="income-summary">
        {[
          ['应收服务费', current?.fee_wan],
          ['已收', current?.received_wan],
          ['未收', current?.outstanding_wan],
          ['返佣', current?.rebates_wan],
        ].map(([title, v]) => (
          <Col xs={12} md={6} key={String(title)}>
            <Card size="small">
              <Statistic title={`${d.month} ${title}`} value={Number(v ?? 0)} suffix="万元" precision={2} />
            </Card>
          </Col>
        ))}
      </Row>
      <Card size="small" title="近 12 个月（万元）" style={{ marginTop: 16 }}>
        <Chart
          height={260}
          option={{
            tooltip: { trigger: 'axis' },
            legend: { bottom: 0 },
            grid: { left: 40, right: 16, top: 16, bottom: 48, containLabel: true },
            xAxis: { type: 'category', data: d.months.map((m) => m.month.slice(2)) },
            yAxis: { type: 'value' },
            series: [
              { name: '已收服务费', type: 'bar', stack: 'in', data: d.months.map((m) => m.received_wan), itemStyle: { color: '#52c41a' } },
              { name: '返佣', type: 'bar', stack: 'in', data: d.months.map((m) => m.rebates_wan), itemStyle: { color: '#1677ff' } },
              { name: '未收', type: 'bar', data: d.months.map((m) => m.outstanding_wan), itemStyle: { color: '#faad14' } },
            ],
          }}
        />
      </Card>
      <Card size="small" title={`${d.month} 对账`} style={{ marginTop: 16 }}>
        {d.not_due > 0 && (
          <Typography.Paragraph type="secondary">另有 {d.not_due} 份协议尚未到收费时间（未放款或未签约）。</Typography.Paragraph>
        )}
        <Table<Line>
          rowKey="agreement_id"
          size="small"
          pagination={false}
          scroll={{ x: true }}
          dataSource={d.lines}
          locale={{ emptyText: '本月没有到期的服务费' }}
          columns={[
            { title: '客户', render: (_, l) => <Link to={`/customers/${l.customer_id}?tab=agreements`}>{l.customer_name}</Link> },
            { title: '机构', render: (_, l) => l.institution ?? '全部放款' },
            { title: '收取', render: (_, l) => FEE_DUE_LABELS[l.due_on] },
            { title: '到期日', dataIndex: 'due_date' },
            { title: '放款', dataIndex: 'disbursed_wan' },
            { title: '应收', dataIndex: 'fee_wan' },
            { title: '已收', dataIndex: 'received_wan' },
            { title: '未收', render: (_, l) => (l.outstanding_wan > 0 ? <Tag color="orange">{l.outstanding_wan}</Tag> : 0) },
          ]}
        />
      </Card>
    </>
  )
}
