import { Card, Col, Empty, List, Row, Tag, Typography } from 'antd'
import type { DiagnosisResult as Diagnosis } from '../../../api/types'
import { DIMENSIONS } from '../../../domain/labels'

type Finding = Diagnosis['findings'][number]

export function FindingsByDimension({ diagnosis }: { diagnosis: Diagnosis }) {
  const groups = DIMENSIONS.map((d) => ({
    ...d,
    score: diagnosis.scores[d.key],
    items: diagnosis.findings.filter((f: Finding) => f.dimension === d.key),
  }))
  const other = diagnosis.findings.filter((f: Finding) => !DIMENSIONS.some((d) => d.key === f.dimension))
  return (
    <Row gutter={[16, 16]}>
      {groups.map((g) => (
        <Col xs={24} md={12} xl={8} key={g.key}>
          <Card
            size="small"
            title={g.label}
            extra={<Typography.Text strong>{Math.round(g.score ?? 0)} 分</Typography.Text>}
            style={{ height: '100%' }}
          >
            {g.items.length === 0 ? (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description="无扣分项" />
            ) : (
              <List
                size="small"
                dataSource={g.items}
                renderItem={(f: Finding) => (
                  <List.Item style={{ paddingInline: 0 }}>
                    <div>
                      {f.points != null && f.points !== 0 && (
                        <Tag color={f.points < 0 ? 'red' : 'blue'}>{f.points > 0 ? `+${f.points}` : f.points}</Tag>
                      )}
                      {f.reason}
                    </div>
                  </List.Item>
                )}
              />
            )}
          </Card>
        </Col>
      ))}
      {other.length > 0 && (
        <Col xs={24}>
          <Card size="small" title="其他">
            <List size="small" dataSource={other} renderItem={(f: Finding) => <List.Item>{f.reason}</List.Item>} />
          </Card>
        </Col>
      )}
    </Row>
  )
}
