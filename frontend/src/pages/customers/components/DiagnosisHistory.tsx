import { Link } from 'react-router'
import { Table } from 'antd'
import type { Diagnosis } from '../../../api/types'
import { GradeBadge } from '../../../components/diagnosis/GradeBadge'
import { wanText } from '../../../components/diagnosis/figures'
import { ErrorResult } from '../../../components/ErrorResult'
import { useDiagnosisHistory } from '../../diagnosis/hooks'

export function DiagnosisHistory({ customerId }: { customerId: number }) {
  const h = useDiagnosisHistory(customerId)
  if (h.isError) return <ErrorResult error={h.error} onRetry={() => h.refetch()} />
  return (
    <Table<Diagnosis>
      rowKey="id"
      size="small"
      loading={h.isPending}
      dataSource={h.data ?? []}
      pagination={{ pageSize: 10, hideOnSinglePage: true }}
      locale={{ emptyText: '还没有诊断记录，点击右上角“运行诊断”' }}
      scroll={{ x: 640 }}
      columns={[
        {
          title: '时间',
          dataIndex: 'created_at',
          render: (t: string, d) => <Link to={`/diagnoses/${d.id}`}>{t?.replace('T', ' ').slice(0, 16)}</Link>,
        },
        {
          title: '分类',
          dataIndex: 'category',
          render: (c: string, d) => <GradeBadge category={c} repairableInMonths={d.repairable_in_months} />,
        },
        { title: '总分', dataIndex: 'total', render: (t: number) => t.toFixed(1) },
        { title: '综合可贷额度', dataIndex: 'recommended_wan', align: 'right', render: (w: number) => wanText(w) },
        { title: '单一产品最高', dataIndex: 'single_best_wan', align: 'right', render: (w: number) => wanText(w) },
        { title: '覆盖贷款需求', dataIndex: 'demand_coverage_pct', render: (p?: number | null) => (p == null ? '—' : `${Math.round(p)}%`) },
        {
          title: '',
          key: 'report',
          render: (_, d) => <Link to={`/diagnoses/${d.id}/report`}>报告</Link>,
        },
      ]}
    />
  )
}
