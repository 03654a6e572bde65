import { Card, Col, Descriptions, Row, Space, Typography } from 'antd'
import type { Diagnosis, DiagnosisResult } from '../../../api/types'
import { CategoryTag } from '../../../components/CategoryTag'
import { ScoreRadar, type Scores } from '../../../components/charts/ScoreRadar'
import { useBranding } from '../../../branding/context'
import { DIMENSIONS } from '../../../domain/labels'
import { FindingsByDimension } from './FindingsByDimension'
import { ProductsTable } from './ProductsTable'
import { MissingFields, VetoesAndCaps } from './RulesFired'

export function DiagnosisSummary({ diagnosis, compare }: { diagnosis: DiagnosisResult; compare?: DiagnosisResult }) {
  const brand = useBranding()
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} lg={10}>
        <Card size="small" style={{ height: '100%' }}>
          <Space align="center" size="large" wrap>
            <CategoryTag category={diagnosis.category} large />
            <div>
              <Typography.Text type="secondary">综合得分</Typography.Text>
              <div style={{ fontSize: 32, fontWeight: 700, lineHeight: 1.1 }} data-testid="diagnosis-total">
                {diagnosis.total.toFixed(1)}
                {compare && (
                  <Typography.Text type="secondary" style={{ fontSize: 14, marginLeft: 8 }}>
                    原 {compare.total.toFixed(1)}
                  </Typography.Text>
                )}
              </div>
            </div>
            <div>
              <Typography.Text type="secondary">建议额度</Typography.Text>
              <div style={{ fontSize: 24, fontWeight: 600 }}>
                {diagnosis.recommended_wan} 万
                {compare && (
                  <Typography.Text type="secondary" style={{ fontSize: 14, marginLeft: 8 }}>
                    原 {compare.recommended_wan} 万
                  </Typography.Text>
                )}
              </div>
            </div>
          </Space>
          <Typography.Paragraph style={{ marginTop: 12, fontSize: 15 }} data-testid="diagnosis-verdict">
            {diagnosis.verdict}
          </Typography.Paragraph>
          <Descriptions size="small" column={2}>
            {DIMENSIONS.map((d) => (
              <Descriptions.Item key={d.key} label={d.label}>
                {Math.round(diagnosis.scores[d.key])}
                {compare && Math.round(compare.scores[d.key]) !== Math.round(diagnosis.scores[d.key]) && (
                  <Typography.Text type="secondary"> （原 {Math.round(compare.scores[d.key])}）</Typography.Text>
                )}
              </Descriptions.Item>
            ))}
          </Descriptions>
        </Card>
      </Col>
      <Col xs={24} lg={14}>
        <Card size="small" title="六维评分" style={{ height: '100%' }}>
          <ScoreRadar
            scores={diagnosis.scores as Scores}
            compare={compare?.scores as Scores | undefined}
            color={brand.primary_color}
            compareColor={brand.secondary_color}
          />
        </Card>
      </Col>
    </Row>
  )
}

export function DiagnosisView({ diagnosis }: { diagnosis: Diagnosis }) {
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <DiagnosisSummary diagnosis={diagnosis} />
      <VetoesAndCaps diagnosis={diagnosis} />
      <MissingFields fields={diagnosis.missing_fields} />
      <Card size="small" title="产品匹配">
        <ProductsTable diagnosis={diagnosis} />
      </Card>
      <Typography.Title level={5} style={{ margin: 0 }}>
        各维度评分明细
      </Typography.Title>
      <FindingsByDimension diagnosis={diagnosis} />
    </Space>
  )
}
