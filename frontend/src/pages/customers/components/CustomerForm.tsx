import { useEffect, useState, type ReactNode } from 'react'
import { Alert, Button, Card, Col, DatePicker, Form, Input, InputNumber, Row, Select, Space } from 'antd'
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons'
import { ApiError, errorMessage, fieldPath } from '../../../api/errors'
import type { CustomerInput } from '../../../api/types'
import {
  BUSINESS_STATUS_OPTIONS,
  COLLATERAL_KIND_OPTIONS,
  STAGE_OPTIONS,
  TAX_GRADE_OPTIONS,
  fieldLabel,
} from '../../../domain/labels'
import { useMe } from '../../../auth/useAuth'
import { useUsers } from '../../../hooks/useUsers'
import { fromFormValues, type CustomerFormValues } from '../formModel'
import { Tri } from './Tri'

const col = { xs: 24, sm: 12, lg: 8 }
const num = { style: { width: '100%' } }

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Card title={title} size="small" style={{ marginBottom: 16 }}>
      <Row gutter={16}>{children}</Row>
    </Card>
  )
}

function Wan({ name, label, extra }: { name: string; label?: string; extra?: string }) {
  return (
    <Col {...col}>
      <Form.Item name={name} label={label ?? fieldLabel(name)} extra={extra}>
        <InputNumber {...num} min={0} step={1} suffix="万元" placeholder="未知" />
      </Form.Item>
    </Col>
  )
}

function Int({ name, label, min = 0, max }: { name: string; label?: string; min?: number; max?: number }) {
  return (
    <Col {...col}>
      <Form.Item name={name} label={label ?? fieldLabel(name)}>
        <InputNumber {...num} min={min} max={max} precision={0} placeholder="未知" />
      </Form.Item>
    </Col>
  )
}

function Bool({ name, label }: { name: string; label?: string }) {
  return (
    <Col {...col}>
      <Form.Item name={name} label={label ?? fieldLabel(name)}>
        <Tri />
      </Form.Item>
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

  const ownerOptions = isAdmin
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
      <Section title="基本信息">
        <Col xs={24} lg={16}>
          <Form.Item name="name" label="企业名称" rules={[{ required: true, whitespace: true, message: '请输入企业名称' }]}>
            <Input maxLength={100} />
          </Form.Item>
        </Col>
        <Col {...col}>
          <Form.Item name="uscc" label="统一社会信用代码" extra="18 位，系统会校验校验位">
            <Input maxLength={18} style={{ textTransform: 'uppercase' }} />
          </Form.Item>
        </Col>
        <Col {...col}>
          <Form.Item name="established_on" label="成立日期">
            <DatePicker style={{ width: '100%' }} placeholder="未知" />
          </Form.Item>
        </Col>
        <Wan name="reg_capital_wan" />
        <Col {...col}>
          <Form.Item name="legal_person" label="法人">
            <Input maxLength={50} />
          </Form.Item>
        </Col>
        <Int name="legal_person_age" min={0} max={120} />
        <Col {...col}>
          <Form.Item name="business_status" label="经营状态">
            <Select allowClear options={BUSINESS_STATUS_OPTIONS} placeholder="未知" />
          </Form.Item>
        </Col>
        <Col {...col}>
          <Form.Item name="industry" label="行业">
            <Input maxLength={50} placeholder="如：制造业、批发零售" />
          </Form.Item>
        </Col>
        <Col xs={24} lg={16}>
          <Form.Item name="main_business" label="主营业务">
            <Input maxLength={500} />
          </Form.Item>
        </Col>
        <Wan name="loan_demand_wan" />
        <Col {...col}>
          <Form.Item name="stage" label="跟进阶段">
            <Select options={STAGE_OPTIONS} />
          </Form.Item>
        </Col>
        <Col {...col}>
          <Form.Item name="owner_id" label="负责人">
            <Select allowClear options={ownerOptions} placeholder="未分配" />
          </Form.Item>
        </Col>
      </Section>

      <Section title="票税">
        <Wan name="annual_invoice_wan" label="年开票（近12个月）" />
        <Int name="invoice_gap_months" label="断票月数（近12个月）" max={12} />
        <Wan name="annual_tax_wan" label="年纳税（近12个月）" />
        <Col {...col}>
          <Form.Item name="tax_grade" label="纳税信用等级">
            <Select allowClear options={TAX_GRADE_OPTIONS} placeholder="未知" />
          </Form.Item>
        </Col>
      </Section>

      <Section title="流水">
        <Wan name="monthly_flow_wan" label="对公流水月均" />
      </Section>

      <Section title="征信">
        <Bool name="current_overdue" />
        <Int name="overdue_count_24m" />
        <Bool name="lian3lei6_24m" label="近24月连三累六" />
        <Bool name="severe_record_5y" label="近5年呆账/代偿等严重不良" />
        <Bool name="dishonest_debtor" />
        <Int name="inquiries_1m" />
        <Int name="inquiries_3m" />
        <Int name="inquiries_6m" />
        <Col {...col}>
          <Form.Item name="card_utilization_pct" label="信用卡使用率">
            <InputNumber {...num} min={0} max={1000} suffix="%" placeholder="未知" />
          </Form.Item>
        </Col>
        <Int name="credit_institutions" label="信用贷款机构数" />
        <Int name="business_loan_count" />
        <Wan name="business_loan_balance_wan" label="经营贷余额" />
      </Section>

      <Card title="资产 / 抵押物" size="small" style={{ marginBottom: 16 }}>
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
      </Card>

      <Section title="联系人">
        <Col {...col}>
          <Form.Item name="contact_name" label="联系人">
            <Input maxLength={50} />
          </Form.Item>
        </Col>
        <Col {...col}>
          <Form.Item name="contact_phone" label="联系电话">
            <Input maxLength={30} inputMode="tel" />
          </Form.Item>
        </Col>
        <Col xs={24}>
          <Form.Item name="notes" label="备注">
            <Input.TextArea rows={3} maxLength={5000} />
          </Form.Item>
        </Col>
      </Section>

      <Space style={{ position: 'sticky', bottom: 0, background: '#f5f7fa', padding: '12px 0', width: '100%', zIndex: 2 }}>
        <Button type="primary" htmlType="submit" loading={busy}>
          {submitText}
        </Button>
        {onCancel && <Button onClick={onCancel}>取消</Button>}
      </Space>
    </Form>
  )
}
