import { Table, Tag, Typography } from 'antd'
import type { DiagnosisResult as Diagnosis } from '../../../api/types'
import { PRODUCT_FAMILY_OPTIONS, labelOf } from '../../../domain/labels'

type ProductRow = Diagnosis['products'][number]

export function ProductsTable({ diagnosis, compact = false }: { diagnosis: Diagnosis; compact?: boolean }) {
  return (
    <Table<ProductRow>
      size="small"
      rowKey={(p) => `${p.product_id}-${p.name}`}
      pagination={false}
      dataSource={diagnosis.products}
      scroll={compact ? undefined : { x: 600 }}
      columns={[
        {
          title: '产品',
          dataIndex: 'name',
          render: (n: string, p) => (
            <>
              {n}
              {p.is_example && (
                <Tag style={{ marginLeft: 6 }} color="default">
                  示例
                </Tag>
              )}
            </>
          ),
        },
        { title: '类型', dataIndex: 'family', width: 90, render: (f: string) => labelOf(PRODUCT_FAMILY_OPTIONS, f) },
        {
          title: '结论',
          dataIndex: 'eligible',
          width: 90,
          render: (ok: boolean) => (ok ? <Tag color="green">可申请</Tag> : <Tag color="red">暂不可</Tag>),
        },
        {
          title: '预计额度',
          dataIndex: 'estimated_wan',
          width: 110,
          align: 'right',
          render: (v: number, p) => (p.eligible ? <Typography.Text strong>{v} 万</Typography.Text> : '—'),
        },
        {
          title: '卡在哪一步',
          dataIndex: 'blocking_reason',
          render: (_: unknown, p: ProductRow) =>
            p.eligible ? '—' : <Typography.Text type="danger">{p.blocking_reason || p.blocking_gate || '—'}</Typography.Text>,
        },
      ]}
    />
  )
}
