import { useEffect, useState, type ReactNode } from 'react'
import { Alert, Button, Card, Col, DatePicker, Form, Input, InputNumber, Row, Select, Space } from 'antd'
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons'
import { ApiError, errorMessage, fieldPath } from '../../../api/errors'
import type { CustomerInput } from '../../../api/types'
import { COLLATERAL_KIND_OPTIONS, FIELDS, FIELD_GROUPS, fieldLabel, vocabularyOptions, type Field } from '../../../domain/labels'
import { useMe } from '../../../auth/useAuth'
import { useUsers } from '../../../hooks/useUsers'
import { fromFormValues, type CustomerFormValues } from '../formModel'
import { Tri } from './Tri'

const col = { xs: 24, sm: 12, lg: 8 }
const wide = { xs: 24, sm: 24, lg: 16 }
const full = { xs: 24, sm: 24, lg: 24 }
const num = { style: { width: '100%' } }

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Card title={title} size="small" style={{ marginBottom: 16 }}>
      <Row gutter={16}>{children}</Row>
    </Card>
  )
}

export type Owners = { value: number; label: string }[]

/**
 * The input for one fact, chosen by its kind in the field catalogue (the form and the simulator).
 * A function, not a component: the element must be the Form.Item's direct child to be bound.
 */
export function factControl(f: Field, owners: Owners = []): ReactNode {
  const maxLength = 'max_length' in f ? f.max_length : undefined
  const min = 'min' in f ? f.min : undefined
  const max = 'max' in f ? f.max : undefined
  const unit = 'unit' in f ? f.unit : undefined
  switch (f.kind) {
    case 'name':
      return <Input maxLength={maxLength} />
    case 'text':
      return (maxLength ?? 0) > 500 ? <Input.TextArea rows={3} maxLength={maxLength} /> : <Input maxLength={maxLength} />
    case 'uscc':
      return <Input maxLength={maxLength} style={{ textTransform: 'uppercase' }} />
    case 'phone':
      return <Input maxLength={maxLength} inputMode="tel" />
    case 'id_number':
      return <Input maxLength={maxLength} style={{ textTransform: 'uppercase' }} autoComplete="off" />
    case 'date':
      return <DatePicker style={{ width: '100%' }} placeholder="未知" />
    case 'wan':
      return <InputNumber {...num} min={0} step={1} suffix={unit} placeholder="未知" />
    case 'int':
      return <InputNumber {...num} min={min} max={max} precision={0} suffix={unit} placeholder="未知" />
    case 'percent':
      return <InputNumber {...num} min={min} max={max} suffix="%" placeholder="未知" />
    case 'bool':
      return <Tri />
    case 'choice':
      return <Select allowClear={f.nullable} options={vocabularyOptions(f.vocabulary)} placeholder="未知" />
    case 'owner':
      return <Select allowClear options={owners} placeholder="未分配" />
    case 'collaterals':
      return null
  }
}

/** One fact's form item, laid out by its kind. */
function FactInput({ field: f, owners }: { field: Field; owners: Owners }) {
  if (f.kind === 'collaterals') return <Collaterals />
  const maxLength = 'max_length' in f ? f.max_length : 0
  const span = f.kind === 'text' && maxLength > 500 ? full : f.kind === 'name' || maxLength >= 500 ? wide : col
  const rules = f.kind === 'name' ? [{ required: true, whitespace: true, message: `请输入${f.label}` }] : undefined
  return (
    <Col {...span}>
      <Form.Item name={f.key} label={f.label} rules={rules}>
        {factControl(f, owners)}
      </Form.Item>
    </Col>
  )
}

function Collaterals() {
  return (
    <Col xs={24}>
      <Form.List name="collaterals">
        {(fields, { add, remove }) => (
          <>
            {fields.map(({ key, name }) => (
              <Row gutter={12} key={key} align="top" data-testid="collateral-row">
                <Col xs={24} sm={12} lg={4}>
                  <Form.Item name={[name, 'kind']} label="类型" rules={[{ required: true, message: '请选择类型' }]}>
                    <Select options={COLLATERAL_KIND_OPTIONS} />
                  </Form.Item>
                </Col>
                <Col xs={24} sm={12} lg={6}>
                  <Form.Item name={[name, 'description']} label="描述/地址">
                    <Input maxLength={200} />
                  </Form.Item>
                </Col>
                <Col xs={12} sm={12} lg={4}>
                  <Form.Item name={[name, 'appraisal_wan']} label="评估价值">
                    <InputNumber {...num} min={0} suffix="万" placeholder="未知" />
                  </Form.Item>
                </Col>
                <Col xs={12} sm={12} lg={4}>
                  <Form.Item name={[name, 'lien_wan']} label="已抵押余额">
                    <InputNumber {...num} min={0} suffix="万" placeholder="未知" />
                  </Form.Item>
                </Col>
                <Col xs={20} sm={12} lg={5}>
                  <Form.Item name={[name, 'held_since']} label="持有起始">
                    <DatePicker style={{ width: '100%' }} placeholder="未知" />
                  </Form.Item>
                </Col>
                <Col xs={4} lg={1} style={{ paddingTop: 30 }}>
                  <Button type="text" danger icon={<MinusCircleOutlined />} onClick={() => remove(name)} aria-label="删除抵押物" />
                </Col>
              </Row>
            ))}
            <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ kind: 'residential' })} block>
              添加抵押物
            </Button>
          </>
        )}
      </Form.List>
    </Col>
  )
}

export interface CustomerFormProps {
  initial?: CustomerFormValues
  submitText?: string
  onSubmit: (v: CustomerInput) => Promise<unknown>
  onCancel?: () => void
}

export function CustomerForm({ initial, submitText = '保存', onSubmit, onCancel }: CustomerFormProps) {
  const [form] = Form.useForm<CustomerFormValues>()
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const me = useMe()
  const users = useUsers()
  const isAdmin = me.data?.role === 'admin'

  useEffect(() => {
    if (initial) form.setFieldsValue(initial)
  }, [initial, form])

  async function finish(v: CustomerFormValues) {
    setBusy(true)
    setError(null)
    try {
      await onSubmit(fromFormValues(v))
    } catch (e) {
      if (e instanceof ApiError && e.field) {
        const name = fieldPath(e.field)
        form.setFields([{ name: name as never, errors: [e.message] }])
        form.scrollToField(name as never, { block: 'center' })
        const label = fieldLabel(String(name[0])).replace(/（.*）/, '')
        setError(e.message.includes(label) ? e.message : `${label}：${e.message}`)
      } else {
        setError(errorMessage(e))
      }
    } finally {
      setBusy(false)
    }
  }

  const ownerOptions: Owners = isAdmin
    ? (users.data ?? []).map((u) => ({ value: u.id, label: u.display_name || u.username }))
    : me.data
      ? [{ value: me.data.id, label: me.data.display_name || me.data.username }]
      : []

  return (
    <Form<CustomerFormValues>
      form={form}
      layout="vertical"
      onFinish={finish}
      initialValues={initial ?? { stage: 'new', collaterals: [], owner_id: me.data?.id }}
      scrollToFirstError
      name="customer"
    >
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} role="alert" />}
      {FIELD_GROUPS.map((g) => (
        <Section key={g.value} title={g.label}>
          {FIELDS.filter((f) => f.group === g.value).map((f) => (
            <FactInput key={f.key} field={f} owners={ownerOptions} />
          ))}
        </Section>
      ))}

      <Space style={{ position: 'sticky', bottom: 0, background: '#f5f7fa', padding: '12px 0', width: '100%', zIndex: 2 }}>
        <Button type="primary" htmlType="submit" loading={busy}>
          {submitText}
        </Button>
        {onCancel && <Button onClick={onCancel}>取消</Button>}
      </Space>
    </Form>
  )
}
