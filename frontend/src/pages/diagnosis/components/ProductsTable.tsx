import { Space, Table, Tag, Typography } from 'antd'
import type { DiagnosisResult as Diagnosis } from '../../../api/types'
import { PRODUCT_FAMILY_OPTIONS, labelOf } from '../../../domain/labels'
import { blockerNote, blockerText, blockingReason, verifiedText, wanText, type ProductRow } from '../../../components/diagnosis/figures'

/** Why a product is not available: the binding blocker first, then the others it would meet next. */
function Blockers({ p }: { p: ProductRow }) {
  const [first, ...rest] = p.blockers
  const reason = blockingReason(p)
  const note = first ? blockerNote(first) : null
  return (
    <Space direction="vertical" size={0}>
      <Typography.Text type="danger">
        {reason}
        {note && !reason.includes(note) && <Typography.Text type="secondary">（{note}）</Typography.Text>}
      </Typography.Text>
      {rest.map((b) => (
        <Typography.Text key={b.gate + b.reason} type="secondary" style={{ fontSize: 12 }}>
          另：{blockerText(b)}
        </Typography.Text>
      ))}
    </Space>
  )
}

/** Every product row: own estimate, share of the combined amount, and what blocks or lowers it. */
export function ProductsTable({ diagnosis, compact = false }: { diagnosis: Diagnosis; compact?: boolean }) {
  return (
    <Table<ProductRow>
      size="small"
      rowKey={(p) => p.product_id}
      pagination={false}
      dataSource={diagnosis.products}
      scroll={compact ? undefined : { x: 760 }}
      columns={[
        {
          title: '产品',
          dataIndex: 'name',
          render: (n: string, p) => (
            <Space direction="vertical" size={0}>
              <span>
                {n}
                {p.is_example && (
                  <Tag style={{ marginLeft: 6 }} color="default">
                    示例
                  </Tag>
                )}
              </span>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {[p.institution, verifiedText(p)].filter(Boolean).join(' · ')}
              </Typography.Text>
            </Space>
          ),
        },
        { title: '类型', dataIndex: 'family', width: 80, render: (f: string) => labelOf(PRODUCT_FAMILY_OPTIONS, f) },
        {
          title: '结论',
          dataIndex: 'eligible',
          width: 100,
          render: (ok: boolean, p) =>
            !ok ? <Tag color="red">暂不可</Tag> : p.in_combination ? <Tag color="green">计入组合</Tag> : <Tag color="cyan">可申请</Tag>,
        },
        {
          title: '单独预计',
          dataIndex: 'estimated_wan',
          width: 90,
          align: 'right',
          render: (v: number, p) => (p.eligible ? wanText(v) : '—'),
        },
        {
          title: '计入组合',
          dataIndex: 'combined_wan',
          width: 90,
          align: 'right',
          render: (v: number, p) => (p.in_combination ? <Typography.Text strong>{wanText(v)}</Typography.Text> : '—'),
        },
        {
          title: '卡在哪一步 / 说明',
          key: 'why',
          render: (_: unknown, p: ProductRow) =>
            !p.eligible ? (
              <Blockers p={p} />
            ) : p.notes.length > 0 || (p.in_combination && p.combined_wan < p.estimated_wan) ? (
              <Space direction="vertical" size={0}>
                {p.notes.map((n) => (
                  <Typography.Text key={n} type="secondary">
                    {n}
                  </Typography.Text>
                ))}
                {p.in_combination && p.combined_wan < p.estimated_wan && (
                  <Typography.Text type="secondary">受信用类合计上限压缩</Typography.Text>
                )}
              </Space>
            ) : (
              '—'
            ),
        },
      ]}
    />
  )
}
