import { Space, Tag, Typography } from 'antd'
import type { Plan } from '../../api/types'
import { wanText } from './figures'

/**
 * A plan's value line: what it unlocks and how the combined amount moves ("解锁：建行云税贷 0→18万；
 * 综合额度 +18万"), never a bare "+0 万" for a plan whose worth is an unlock.
 */
export function PlanHeadline({ plan, strong = true }: { plan: Pick<Plan, 'headline' | 'scenario'>; strong?: boolean }) {
  return (
    <Space size={4} wrap>
      {plan.scenario && <Tag color="purple">情景测算</Tag>}
      <Typography.Text strong={strong} style={{ color: '#237804' }} data-testid="plan-headline">
        {plan.headline}
      </Typography.Text>
    </Space>
  )
}

/** "0→18万" with the unlocked ones marked. */
export function deltaText(d: { before_wan: number; after_wan: number }): string {
  return `${Number(d.before_wan.toFixed(2))}→${wanText(d.after_wan)}`
}

/** "综合额度 21.7万 → 62.71万（+41.01万，其中等待带来 +5万）". */
export function combinedChangeText(p: Pick<Plan, 'recommended_before_wan' | 'recommended_after_wan' | 'estimated_increase_wan' | 'gain_from_waiting_wan'>): string {
  const inc = p.estimated_increase_wan
  const waiting = p.gain_from_waiting_wan > 0 ? `，其中等待本身带来 +${wanText(p.gain_from_waiting_wan)}` : ''
  const delta = inc > 0 ? `（+${wanText(inc)}${waiting}）` : '（综合额度不变）'
  return `${wanText(p.recommended_before_wan)} → ${wanText(p.recommended_after_wan)}${delta}`
}
