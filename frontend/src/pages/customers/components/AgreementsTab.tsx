import { useState } from 'react'
import { Link } from 'react-router'
import { App, Button, Card, Form, Input, InputNumber, Modal, Select, Space, Table, Tag } from 'antd'
import { PrinterOutlined } from '@ant-design/icons'
import { errorMessage } from '../../../api/errors'
import { useCustomerApplications } from '../../applications/api'
import { ErrorResult } from '../../../components/ErrorResult'
import {
  FEE_DUE_LABELS,
  FEE_TYPE_LABELS,
  type Agreement,
  type AgreementInput,
  feeText,
  useAgreements,
  useCreateAgreement,
  useUpdateAgreement,
} from './agreementsApi'

const options = (labels: Record<string, string>) => Object.entries(labels).map(([value, label]) => ({ value, label }))

/** 收费协议: the customer's fee agreements with fee and outstanding, and a form for a new one. */
export function AgreementsTab({ customerId }: { customerId: number }) {
  const { message } = App.useApp()
  const q = useAgreements(customerId)
  const create = useCreateAgreement(customerId)
  const [form] = Form.useForm<AgreementInput>()
  const feeType = Form.useWatch('fee_type', form)
  const update = useUpdateAgreement(customerId)
  const apps = useCustomerApplications(customerId)
  const [receiving, setReceiving] = useState<Agreement | null>(null)
  const [received, setReceived] = useState<number | null>(null)
  const [editing, setEditing] = useState<Agreement | null>(null)
  const startEdit = (a: Agreement) => {
    setEditing(a)
    form.setFieldsValue({
      application_id: a.application_id ?? undefined,
      fee_type: a.fee_type,
      fee_rate_pct: a.fee_rate_pct ?? undefined,
      fee_fixed_wan: a.fee_fixed_wan ?? undefined,
      due_on: a.due_on,
      received_wan: a.received_wan,
      service_scope: a.service_scope ?? undefined,
      refund_terms: a.refund_terms ?? undefined,
      rebates: a.rebates.map((r) => ({ payer: r.payer, rate_pct: r.rate_pct ?? undefined, amount_wan: r.amount_wan ?? undefined })),
    })
  }
  const stopEdit = () => {
    setEditing(null)
    form.resetFields()
  }
  const saveReceived = () => {
    if (!receiving || received == null) return
    update.mutate(
      { id: receiving.id, body: { received_wan: received } },
      {
        onSuccess: () => {
          message.success('已登记收款')
          setReceiving(null)
        },
        onError: (e) => message.error(errorMessage(e)),
      },
    )
  }
  if (q.isError) return <ErrorResult error={q.error} />
  const done = (text: string) => ({
    onSuccess: () => {
      message.success(text)
      stopEdit()
    },
    onError: (e: unknown) => message.error(errorMessage(e)),
  })
  const submit = (v: AgreementInput) => {
    if (!editing) {
      create.mutate(v, done('已保存委托协议'))
      return
    }
    const percent = v.fee_type === 'percent'
    // Every field of the form is sent: what was emptied is cleared.
    update.mutate(
      {
        id: editing.id,
        body: {
          application_id: v.application_id ?? null,
          fee_type: v.fee_type,
          fee_rate_pct: percent ? (v.fee_rate_pct ?? null) : null,
          fee_fixed_wan: percent ? null : (v.fee_fixed_wan ?? null),
          due_on: v.due_on,
          received_wan: v.received_wan ?? 0,
          rebates: v.rebates ?? [],
          service_scope: v.service_scope?.trim() ? v.service_scope : null,
          refund_terms: v.refund_terms?.trim() ? v.refund_terms : null,
        },
      },
      done('已修改委托协议'),
    )
  }
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Table<Agreement>
        rowKey="id"
        size="small"
        loading={q.isLoading}
        dataSource={q.data ?? []}
        pagination={false}
        scroll={{ x: true }}
        columns={[
          { title: '进件', render: (_, a) => a.application_institution ?? '全部放款' },
          { title: '服务费', render: (_, a) => feeText(a) },
          { title: '收取', render: (_, a) => FEE_DUE_LABELS[a.due_on] },
          { title: '应收（万元）', dataIndex: 'fee_wan' },
          { title: '已收', dataIndex: 'received_wan' },
          {
            title: '未收',
            render: (_, a) => (a.due ? a.outstanding_wan : <Tag>未到期</Tag>),
          },
          { title: '返佣', dataIndex: 'rebates_total_wan' },
          {
            title: '操作',
            render: (_, a) => (
              <Space size={4} wrap>
                <Button size="small" data-testid="agreement-edit" onClick={() => startEdit(a)}>
                  编辑
                </Button>
                <Button
                  size="small"
                  onClick={() => {
                    setReceiving(a)
                    setReceived(a.received_wan)
                  }}
                >
                  登记收款
                </Button>
                <Link to={`/customers/${customerId}/agreements/${a.id}/print`} data-testid="agreement-print-link">
                  <Button size="small" icon={<PrinterOutlined />}>
                    委托协议
                  </Button>
                </Link>
              </Space>
            ),
          },
        ]}
      />
      <Modal
        open={receiving != null}
        title="登记已收服务费（累计）"
        onCancel={() => setReceiving(null)}
        onOk={saveReceived}
        okText="保存"
        confirmLoading={update.isPending}
      >
        <InputNumber min={0} value={received} onChange={setReceived} addonAfter="万元" style={{ width: '100%' }} />
      </Modal>
      <Card
        size="small"
        title={editing ? `修改委托协议 WT-${String(editing.id).padStart(5, '0')}` : '新增委托协议'}
        extra={editing && <Button size="small" onClick={stopEdit}>取消修改</Button>}
      >
        <Form<AgreementInput>
          form={form}
          layout="vertical"
          initialValues={{ fee_type: 'percent', due_on: 'disbursement', received_wan: 0, rebates: [] }}
          onFinish={submit}
        >
          <Form.Item name="application_id" label="对应进件（可选，不选则按该客户全部放款计算）">
            <Select
              allowClear
              options={(apps.data ?? []).map((x) => ({ value: x.id, label: `${x.institution} · ${x.amount_applied_wan} 万元` }))}
            />
          </Form.Item>
          <Form.Item name="fee_type" label="收费方式">
            <Select options={options(FEE_TYPE_LABELS)} />
          </Form.Item>
          {feeType === 'fixed' ? (
            <Form.Item name="fee_fixed_wan" label="服务费（万元）" rules={[{ required: true }]}>
              <InputNumber min={0} style={{ width: '100%' }} />
            </Form.Item>
          ) : (
            <Form.Item name="fee_rate_pct" label="费率（%）" rules={[{ required: true }]}>
              <InputNumber min={0} max={10} style={{ width: '100%' }} />
            </Form.Item>
          )}
          <Form.Item name="due_on" label="何时收取">
            <Select options={options(FEE_DUE_LABELS)} />
          </Form.Item>
          <Form.Item name="received_wan" label="已收（万元）">
            <InputNumber min={0} style={{ width: '100%' }} />
          </Form.Item>
          <Form.Item name="service_scope" label="服务内容">
            <Input.TextArea rows={2} placeholder="例如：融资诊断、方案设计、协助准备申请资料、对接银行" />
          </Form.Item>
          <Form.Item name="refund_terms" label="退费条款">
            <Input.TextArea rows={2} />
          </Form.Item>
          <Form.List name="rebates">
            {(fields, { add, remove }) => (
              <>
                {fields.map((f) => (
                  <Space key={f.key} wrap>
                    <Form.Item name={[f.name, 'payer']} rules={[{ required: true }]}>
                      <Input placeholder="返佣支付方" />
                    </Form.Item>
                    <Form.Item name={[f.name, 'rate_pct']}>
                      <InputNumber placeholder="比例 %" min={0} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'amount_wan']}>
                      <InputNumber placeholder="或金额 万元" min={0} />
                    </Form.Item>
                    <Button onClick={() => remove(f.name)}>删除</Button>
                  </Space>
                ))}
                <Button onClick={() => add({ payer: '' })} style={{ marginBottom: 16 }}>
                  添加返佣
                </Button>
              </>
            )}
          </Form.List>
          <Button type="primary" htmlType="submit" loading={create.isPending || update.isPending}>
            保存
          </Button>
        </Form>
      </Card>
    </Space>
  )
}
