import { Link } from 'react-router'
import { Table, Typography } from 'antd'
import type { Diagnosis } from '../../../api/types'
import { CategoryTag } from '../../../components/CategoryTag'
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
      scroll={{ x: 560 }}
      columns={[
        {
          title: '时间',
          dataIndex: 'created_at',
          render: (t: string, d) => <Link to={`/diagnoses/${d.id}`}>{t?.replace('T', ' ').slice(0, 16)}</Link>,
        },
        { title: '分类', dataIndex: 'category', render: (c: string) => <CategoryTag category={c} /> },
        { title: '总分', dataIndex: 'total', render: (t: number) => t.toFixed(1) },
        { title: '建议额度', dataIndex: 'recommended_wan', render: (w: number) => `${w} 万` },
        { title: '规则版本', dataIndex: 'rules_version', render: (r) => <Typography.Text type="secondary">v{r}</Typography.Text> },
        {
          title: '',
          key: 'report',
          render: (_, d) => <Link to={`/diagnoses/${d.id}/report`}>报告</Link>,
        },
      ]}
    />
  )
}
