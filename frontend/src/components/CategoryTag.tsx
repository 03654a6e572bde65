import { Tag, Tooltip } from 'antd'
import { CATEGORY_COLORS, CATEGORY_LABELS, CATEGORY_OPTIONS, labelOf } from '../domain/labels'

export function CategoryTag({ category, large = false }: { category?: string | null; large?: boolean }) {
  if (!category) return <Tag>未诊断</Tag>
  const tag = (
    <Tag
      color={CATEGORY_COLORS[category] ?? 'default'}
      style={large ? { fontSize: 20, lineHeight: '32px', padding: '0 14px', fontWeight: 700 } : { fontWeight: 600 }}
      data-testid="category-tag"
    >
      {labelOf(CATEGORY_OPTIONS, category)}
    </Tag>
  )
  return CATEGORY_LABELS[category] ? <Tooltip title={CATEGORY_LABELS[category]}>{tag}</Tooltip> : tag
}
