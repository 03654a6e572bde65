import { Card, Col, Descriptions, Empty, Row, Table } from 'antd'
import type { Customer } from '../../../api/types'
import {
  BUSINESS_STATUS_OPTIONS,
  COLLATERAL_KIND_OPTIONS,
  STAGE_OPTIONS,
  TAX_GRADE_OPTIONS,
  fieldLabel,
  labelOf,
} from '../../../domain/labels'

const unknown = <span style={{ color: '#bbb' }}>未知</span>
const v = (x: unknown, suffix = '') => (x == null || x === '' ? unknown : `${String(x)}${suffix}`)
const yn = (x?: boolean | null) => (x == null ? unknown : x ? <b style={{ color: '#cf1322' }}>是</b> : '否')

function Section({ title, items }: { title: string; items: [string, React.ReactNode][] }) {
  return (
    <Card size="small" title={title} style={{ height: '100%' }}>
      <Descriptions size="small" column={1} colon>
        {items.map(([k, node]) => (
          <Descriptions.Item key={k} label={fieldLabel(k).replace(/（.*）/, '')}>
            {node}
          </Descriptions.Item>
        ))}
      </Descriptions>
    </Card>
  )
}

export function CustomerOverview({ c, ownerName }: { c: Customer; ownerName?: string }) {
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} lg={12}>
        <Section
          title="基本信息"
          items={[
            ['uscc', v(c.uscc)],
            ['established_on', v(c.established_on)],
            ['reg_capital_wan', v(c.reg_capital_wan, ' 万元')],
            ['legal_person', v(c.legal_person)],
            ['legal_person_age', v(c.legal_person_age, ' 岁')],
            ['business_status', c.business_status ? labelOf(BUSINESS_STATUS_OPTIONS, c.business_status) : unknown],
            ['industry', v(c.industry)],
            ['main_business', v(c.main_business)],
            ['loan_demand_wan', v(c.loan_demand_wan, ' 万元')],
            ['stage', labelOf(STAGE_OPTIONS, c.stage)],
            ['owner_id', ownerName ?? v(c.owner_id)],
          ]}
        />
      </Col>
      <Col xs={24} lg={12}>
        <Row gutter={[16, 16]}>
          <Col span={24}>
            <Section
              title="票税 · 流水"
              items={[
                ['annual_invoice_wan', v(c.annual_invoice_wan, ' 万元')],
                ['invoice_gap_months', v(c.invoice_gap_months, ' 个月')],
                ['annual_tax_wan', v(c.annual_tax_wan, ' 万元')],
                ['tax_grade', c.tax_grade ? labelOf(TAX_GRADE_OPTIONS, c.tax_grade) : unknown],
                ['monthly_flow_wan', v(c.monthly_flow_wan, ' 万元')],
              ]}
            />
          </Col>
          <Col span={24}>
            <Section
              title="联系人"
              items={[
                ['contact_name', v(c.contact_name)],
                ['contact_phone', v(c.contact_phone)],
                ['notes', v(c.notes)],
              ]}
            />
          </Col>
        </Row>
      </Col>
      <Col xs={24} lg={12}>
        <Section
          title="征信"
          items={[
            ['current_overdue', yn(c.current_overdue)],
            ['overdue_count_24m', v(c.overdue_count_24m)],
            ['lian3lei6_24m', yn(c.lian3lei6_24m)],
            ['severe_record_5y', yn(c.severe_record_5y)],
            ['dishonest_debtor', yn(c.dishonest_debtor)],
            ['inquiries_1m', v(c.inquiries_1m)],
            ['inquiries_3m', v(c.inquiries_3m)],
            ['inquiries_6m', v(c.inquiries_6m)],
            ['card_utilization_pct', v(c.card_utilization_pct, '%')],
            ['credit_institutions', v(c.credit_institutions)],
            ['business_loan_count', v(c.business_loan_count)],
            ['business_loan_balance_wan', v(c.business_loan_balance_wan, ' 万元')],
          ]}
        />
      </Col>
      <Col xs={24} lg={12}>
        <Card size="small" title="资产 / 抵押物" style={{ height: '100%' }}>
          {c.collaterals.length === 0 ? (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description="无抵押物" />
          ) : (
            <Table
              size="small"
              pagination={false}
              rowKey={(_, i) => String(i)}
              dataSource={c.collaterals}
              scroll={{ x: 420 }}
              columns={[
                { title: '类型', dataIndex: 'kind', render: (k: string) => labelOf(COLLATERAL_KIND_OPTIONS, k) },
                { title: '描述', dataIndex: 'description', render: (x) => v(x) },
                { title: '评估价值', dataIndex: 'appraisal_wan', render: (x) => v(x, ' 万') },
                { title: '已抵押', dataIndex: 'lien_wan', render: (x) => v(x, ' 万') },
                { title: '持有起始', dataIndex: 'held_since', render: (x) => v(x) },
              ]}
            />
          )}
        </Card>
      </Col>
    </Row>
  )
}
