import { useState, type ReactNode } from 'react'
import { useMutation } from '@tanstack/react-query'
import { App, Button, Card, Col, Descriptions, Empty, Row, Space, Table, Tooltip } from 'antd'
import { EyeOutlined, PhoneOutlined } from '@ant-design/icons'
import { api } from '../../../api/client'
import { errorMessage, unwrap } from '../../../api/errors'
import type { Customer } from '../../../api/types'
import { COLLATERAL_KIND_OPTIONS, FIELDS, FIELD_GROUPS, labelOf, vocabularyOptions, type Field } from '../../../domain/labels'

const unknown = <span style={{ color: '#bbb' }}>未知</span>
const v = (x: unknown, suffix = '') => (x == null || x === '' ? unknown : `${String(x)}${suffix}`)
const yn = (x?: boolean | null) => (x == null ? unknown : x ? <b style={{ color: '#cf1322' }}>是</b> : '否')

type Revealed = Record<string, string | null | undefined>

/**
 * A phone or ID number: 隐号 (138****1234) for anyone but the owner and admins, with a 显示 that
 * asks the server for the full number (each reveal is audited); a phone is a tap-to-call link.
 */
function NumberValue({ f, c, revealed, onReveal, revealing }: {
  f: Field
  c: Customer
  revealed: Revealed | null
  onReveal: () => void
  revealing: boolean
}) {
  const stored = (c as unknown as Record<string, unknown>)[f.key] as string | null | undefined
  if (stored == null || stored === '') return unknown
  const full = revealed ? revealed[f.key] ?? stored : stored
  const hidden = c.masked && !revealed
  return (
    <Space size={4} wrap>
      {f.kind === 'phone' && !hidden ? (
        <a href={`tel:${full.replace(/[^\d+]/g, '')}`} aria-label={`拨打 ${full}`}>
          <PhoneOutlined /> {full}
        </a>
      ) : (
        <span>{full}</span>
      )}
      {hidden && (
        <Tooltip title="显示完整号码（将记入审计日志）">
          <Button size="small" type="link" icon={<EyeOutlined />} loading={revealing} onClick={onReveal} data-testid={`reveal-${f.key}`}>
            显示
          </Button>
        </Tooltip>
      )}
    </Space>
  )
}

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
  const { message } = App.useApp()
  // Kept only while this page is open: the numbers are never cached or stored by the browser.
  const [revealed, setRevealed] = useState<Revealed | null>(null)
  const reveal = useMutation({
    mutationFn: () => unwrap(api.POST('/api/customers/{id}/reveal', { params: { path: { id: c.id } } })),
    onSuccess: (r) => setRevealed(r as Revealed),
    onError: (e) => message.error(errorMessage(e)),
  })
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
                      {f.kind === 'phone' || f.kind === 'id_number' ? (
                        <NumberValue f={f} c={c} revealed={revealed} onReveal={() => reveal.mutate()} revealing={reveal.isPending} />
                      ) : (
                        shown(f, c, ownerName)
                      )}
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
