import { Alert, Space, Tag, Typography } from 'antd'
import type { DiagnosisResult } from '../../api/types'
import { PRODUCT_FAMILY_OPTIONS, labelOf } from '../../domain/labels'
import { bindingCap, wanText, type CombinationItem } from './figures'

/** The products of a combined amount, each with its share: "微众微业贷 · 信用贷 300万". */
export function CompositionList({ items, empty = '暂无可计入组合的产品' }: { items: readonly CombinationItem[]; empty?: string }) {
  if (items.length === 0) return <Typography.Text type="secondary">{empty}</Typography.Text>
  return (
    <Space direction="vertical" size={2} style={{ width: '100%' }} data-testid="composition">
      {items.map((i) => (
        <div key={i.product_id} style={{ display: 'flex', justifyContent: 'space-between', gap: 12 }}>
          <span>
            {i.name}
            <Tag style={{ marginLeft: 6 }}>{labelOf(PRODUCT_FAMILY_OPTIONS, i.family)}</Tag>
          </span>
          <Typography.Text strong>{wanText(i.amount_wan)}</Typography.Text>
        </div>
      ))}
    </Space>
  )
}

function Figure({ label, value, was, big = false, testId }: { label: string; value: number; was?: number; big?: boolean; testId: string }) {
  return (
    <div>
      <Typography.Text type="secondary">{label}</Typography.Text>
      <div style={{ fontSize: big ? 28 : 18, fontWeight: big ? 700 : 600, lineHeight: 1.2 }} data-testid={testId}>
        {wanText(value)}
        {was != null && was !== value && (
          <Typography.Text type="secondary" style={{ fontSize: 14, marginLeft: 8, fontWeight: 400 }}>
            原 {wanText(was)}
          </Typography.Text>
        )}
      </div>
    </div>
  )
}

/**
 * The one set of amount figures every page shows: the combined amount a broker files for (with
 * its composition), the best single product beside it, and the unsecured cap when it limits them.
 */
export function AmountSummary({ diagnosis, compare }: { diagnosis: DiagnosisResult; compare?: DiagnosisResult }) {
  const cap = bindingCap(diagnosis)
  return (
    <Space direction="vertical" size={8} style={{ width: '100%' }}>
      <Space size="large" wrap align="start">
        <Figure label="综合可贷额度（组合申请）" value={diagnosis.recommended_wan} was={compare?.recommended_wan} big testId="combined" />
        <Figure label="单一产品最高" value={diagnosis.single_best_wan} was={compare?.single_best_wan} testId="single-best" />
      </Space>
      <div>
        <div>
          <Typography.Text type="secondary">组合构成（建议同时申请）</Typography.Text>
        </div>
        <CompositionList items={diagnosis.combination} />
      </div>
      {cap && (
        <Alert
          type="warning"
          showIcon
          message="信用类合计上限限制了综合额度"
          description={cap}
          data-testid="cap"
        />
      )}
    </Space>
  )
}
