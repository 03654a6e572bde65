import { Col, Empty, Row, Typography } from 'antd'
import { useNavigate } from 'react-router'
import type { Plan } from '../../../api/types'
import { PLAN_STATUS_OPTIONS } from '../../../domain/labels'
import { PlanCard } from './PlanCard'

export function PlanBoard({
  plans,
  customerNames,
  empty = '暂无改造方案：在诊断结果页点击“生成改造方案”',
}: {
  plans: Plan[]
  customerNames?: Map<number, string>
  empty?: string
}) {
  const navigate = useNavigate()
  if (plans.length === 0) return <Empty description={empty} />
  return (
    <Row gutter={16}>
      {PLAN_STATUS_OPTIONS.map((s) => {
        // The API's order: within a diagnosis, the engine's value for cost and time.
        const col = plans.filter((p) => p.status === s.value)
        return (
          <Col xs={24} md={8} key={s.value} data-testid={`plan-column-${s.value}`}>
            <div style={{ background: '#eef1f5', borderRadius: 8, padding: 12, marginBottom: 16, minHeight: 120 }}>
              <Typography.Title level={5} style={{ marginTop: 0 }}>
                {s.label}（{col.length}）
              </Typography.Title>
              {col.map((p) => (
                <PlanCard key={p.id} plan={p} customerName={customerNames?.get(p.customer_id)} onOpen={() => navigate(`/plans/${p.id}`)} />
              ))}
            </div>
          </Col>
        )
      })}
    </Row>
  )
}
