import type { ReactNode } from 'react'
import { Card, Col, Descriptions, Empty, Row, Table } from 'antd'
import type { Customer } from '../../../api/types'
import { COLLATERAL_KIND_OPTIONS, FIELDS, FIELD_GROUPS, labelOf, vocabularyOptions, type Field } from '../../../domain/labels'

const unknown = <span style={{ color: '#bbb' }}>未知</span>
const v = (x: unknown, suffix = '') => (x == null || x === '' ? unknown : `${String(x)}${suffix}`)
const yn = (x?: boolean | null) => (x == null ? unknown : x ? <b style={{ color: '#cf1322' }}>是</b> : '否')

/** A recorded fact as the broker reads it, by its kind in the field catalogue. */
function shown(f: Field, c: Customer, ownerName?: string): ReactNode {
  const value = (c as unknown as Record<string, unknown>)[f.key]
  const unit = 'unit' in f ? (f.unit === '%' ? '%' : ` ${f.unit}`) : ''
  switch (f.kind) {
    case 'bool':
      return yn(value as boolean | null | undefined)
    case 'choice':
      return value == null ? unknown : labelOf(vocabularyOptions(f.vocabulary), String(value))
    case 'owner':
      return ownerName ?? v(value)
    default:
      return v(value, unit)
  }
}

function Collaterals({ c }: { c: Customer }) {
  if (c.collaterals.length === 0) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description="无抵押物" />
  return (
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
  )
}

/** Every recorded fact, in the catalogue's sections (the name is the page's title). */
export function CustomerOverview({ c, ownerName }: { c: Customer; ownerName?: string }) {
  return (
    <Row gutter={[16, 16]}>
      {FIELD_GROUPS.map((g) => {
        const fields = FIELDS.filter((f) => f.group === g.value && f.kind !== 'name')
        if (fields.length === 0) return null
        return (
          <Col xs={24} lg={12} key={g.value}>
            <Card size="small" title={g.label} style={{ height: '100%' }}>
              {fields.some((f) => f.kind === 'collaterals') && <Collaterals c={c} />}
              <Descriptions size="small" column={1} colon>
                {fields
                  .filter((f) => f.kind !== 'collaterals')
                  .map((f) => (
                    <Descriptions.Item key={f.key} label={f.label}>
                      {shown(f, c, ownerName)}
                    </Descriptions.Item>
                  ))}
              </Descriptions>
            </Card>
          </Col>
        )
      })}
    </Row>
  )
}
