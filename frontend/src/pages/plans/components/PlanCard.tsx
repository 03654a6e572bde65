import { Card, Progress, Space, Tag, Typography } from 'antd'
import { ArrowRightOutlined } from '@ant-design/icons'
import type { Plan } from '../../../api/types'
import { GradeBadge } from '../../../components/diagnosis/GradeBadge'
import { PlanHeadline } from '../../../components/diagnosis/PlanValue'
import { planCostText } from '../../../components/diagnosis/figures'

export function taskProgress(p: Plan): number {
  const total = p.tasks.length
  return total === 0 ? 0 : Math.round((p.tasks.filter((t) => t.done).length / total) * 100)
}

export function PlanCard({ plan, customerName, onOpen }: { plan: Plan; customerName?: string; onOpen: () => void }) {
  return (
    <Card size="small" hoverable onClick={onOpen} style={{ marginBottom: 12 }} data-testid="plan-card">
      <Space direction="vertical" size={4} style={{ width: '100%' }}>
        <Typography.Text strong>{plan.title}</Typography.Text>
        {customerName && <Typography.Text type="secondary">{customerName}</Typography.Text>}
        <PlanHeadline plan={plan} strong={false} />
        {plan.gap && (
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {plan.gap}
          </Typography.Text>
        )}
        <Space wrap size={4}>
          <Tag>{plan.months_to_effect > 0 ? `约${plan.months_to_effect}个月见效` : '立即可办'}</Tag>
          <Tag>{planCostText(plan)}</Tag>
        </Space>
        {plan.category_before !== plan.category_after && (
          <Space size={4}>
            <GradeBadge category={plan.category_before} />
            <ArrowRightOutlined />
            <GradeBadge category={plan.category_after} />
          </Space>
        )}
        <Progress percent={taskProgress(plan)} size="small" />
      </Space>
    </Card>
  )
}
