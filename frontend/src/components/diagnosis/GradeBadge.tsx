import { Space, Tag, Tooltip, Typography } from 'antd'
import { coverageText, gradeColor, gradeHint, gradeText } from './figures'

/** The grade tag ("A类", "资料待补充", "C（可修复，约3个月）"), with the category's explanation on hover. */
export function GradeBadge({
  category,
  repairableInMonths,
  large = false,
}: {
  category?: string | null
  repairableInMonths?: number | null
  large?: boolean
}) {
  const tag = (
    <Tag
      color={category ? gradeColor(category) : 'default'}
      style={large ? { fontSize: 20, lineHeight: '32px', padding: '0 14px', fontWeight: 700 } : { fontWeight: 600 }}
      data-testid="grade"
    >
      {gradeText(category, repairableInMonths)}
    </Tag>
  )
  const hint = gradeHint(category)
  return hint ? <Tooltip title={hint}>{tag}</Tooltip> : tag
}

/** The grade with the demand coverage beside it (never inside it: demand does not move the grade). */
export function GradeWithCoverage({
  category,
  repairableInMonths,
  coveragePct,
}: {
  category: string
  repairableInMonths?: number | null
  coveragePct?: number | null
}) {
  const coverage = coverageText(coveragePct)
  return (
    <Space direction="vertical" size={2} data-testid="diagnosis-grade">
      <GradeBadge category={category} repairableInMonths={repairableInMonths} large />
      {coverage && (
        <Typography.Text type="secondary" data-testid="coverage">
          {coverage}
        </Typography.Text>
      )}
    </Space>
  )
}
