import { Card, Col, Descriptions, Row, Space, Typography } from 'antd'
import type { DiagnosisResult } from '../../../api/types'
import { ScoreRadar, type Scores } from '../../../components/charts/ScoreRadar'
import { AmountSummary } from '../../../components/diagnosis/AmountSummary'
import { GradeWithCoverage } from '../../../components/diagnosis/GradeBadge'
import { gradeText } from '../../../components/diagnosis/figures'
import { useBranding } from '../../../branding/context'
import { DIMENSIONS } from '../../../domain/labels'
import { FindingsByDimension } from './FindingsByDimension'
import { ProductsTable } from './ProductsTable'
import { IncompleteFacts, MissingFields, VetoesAndCaps } from './RulesFired'

/** Grade, combined amount with its composition, single best, verdict and scores; `compare` marks the "原" values. */
export function DiagnosisSummary({ diagnosis, compare }: { diagnosis: DiagnosisResult; compare?: DiagnosisResult }) {
  const brand = useBranding()
  const gradeBefore = compare ? gradeText(compare.category, compare.repairable_in_months) : null
  const gradeNow = gradeText(diagnosis.category, diagnosis.repairable_in_months)
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} lg={12}>
        <Card size="small" style={{ height: '100%' }}>
          <Space align="start" size="large" wrap>
            <div>
              <GradeWithCoverage
                category={diagnosis.category}
                repairableInMonths={diagnosis.repairable_in_months}
                coveragePct={diagnosis.demand_coverage_pct}
              />
              {gradeBefore && gradeBefore !== gradeNow && (
                <div>
                  <Typography.Text type="secondary">原 {gradeBefore}</Typography.Text>
                </div>
              )}
            </div>
            <div>
              <Typography.Text type="secondary">综合得分</Typography.Text>
              <div style={{ fontSize: 28, fontWeight: 700, lineHeight: 1.2 }} data-testid="diagnosis-total">
                {diagnosis.total.toFixed(1)}
                {compare && (
                  <Typography.Text type="secondary" style={{ fontSize: 14, marginLeft: 8, fontWeight: 400 }}>
                    原 {compare.total.toFixed(1)}
                  </Typography.Text>
                )}
              </div>
            </div>
          </Space>
          <div style={{ marginTop: 12 }}>
            <AmountSummary diagnosis={diagnosis} compare={compare} />
          </div>
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
      <Col xs={24} lg={12}>
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

export function DiagnosisView({ diagnosis }: { diagnosis: DiagnosisResult }) {
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <DiagnosisSummary diagnosis={diagnosis} />
      <IncompleteFacts diagnosis={diagnosis} />
      <VetoesAndCaps diagnosis={diagnosis} />
      <MissingFields fields={diagnosis.missing_fields} />
      <Card size="small" title="产品匹配（每个产品单独测算；计入组合的为建议同时申请的产品）">
        <ProductsTable diagnosis={diagnosis} />
      </Card>
      <Typography.Title level={5} style={{ margin: 0 }}>
        各维度评分明细
      </Typography.Title>
      <FindingsByDimension diagnosis={diagnosis} />
    </Space>
  )
}
