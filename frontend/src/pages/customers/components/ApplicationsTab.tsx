import { useState } from 'react'
import { Alert, App, Button, Card, DatePicker, Form, Grid, Input, InputNumber, List, Modal, Radio, Select, Space, Tag, Timeline, Typography } from 'antd'
import { HistoryOutlined, PlusOutlined } from '@ant-design/icons'
import type { FormInstance } from 'antd'
import type { Dayjs } from 'dayjs'
import { ApiError, errorMessage } from '../../../api/errors'
import { ErrorResult } from '../../../components/ErrorResult'
import { wan } from '../../../domain/labels'
import {
  APPLICATION_STATUS_OPTIONS,
  STATUS_COLORS,
  type Application,
  type ApplicationStatus,
  nextStatuses,
  statusLabel,
  useApplication,
  useCreateApplication,
  useCustomerApplications,
  useProducts,
  useUpdateApplication,
} from '../../applications/api'

const day = (d?: Dayjs | null) => (d ? d.format('YYYY-MM-DD') : undefined)

/** Shows a 400's message on the field it names (or as a toast). */
function useFieldErrors() {
  const { message } = App.useApp()
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return (form: FormInstance<any>, e: unknown) => {
    const field = e instanceof ApiError ? e.field : undefined
    if (field && form.getFieldInstance(field) !== undefined) form.setFields([{ name: field, errors: [errorMessage(e)] }])
    else message.error(errorMessage(e))
  }
}

interface NewForm {
  source: 'product' | 'free'
  product_id?: number
  institution?: string
  amount_applied_wan?: number
  status: ApplicationStatus
  submitted_on?: Dayjs | null
  note?: string
}

function NewApplicationModal({ customerId, open, onClose }: { customerId: number; open: boolean; onClose: () => void }) {
  const [form] = Form.useForm<NewForm>()
  const products = useProducts()
  const create = useCreateApplication(customerId)
  const showError = useFieldErrors()
  const { message } = App.useApp()
  const source = Form.useWatch('source', form)
  const submit = (v: NewForm) =>
    create.mutate(
      {
        product_id: v.source === 'product' ? v.product_id : undefined,
        institution: v.source === 'free' ? v.institution : undefined,
        amount_applied_wan: v.amount_applied_wan ?? 0,
        status: v.status,
        submitted_on: day(v.submitted_on),
        note: v.note,
      },
      {
        onSuccess: () => {
          message.success('进件已添加')
          form.resetFields()
          onClose()
        },
        onError: (e) => showError(form, e),
      },
    )
  return (
    <Modal title="新增进件" open={open} onCancel={onClose} onOk={() => form.submit()} okText="保存" confirmLoading={create.isPending} destroyOnHidden>
      <Form form={form} layout="vertical" initialValues={{ source: 'product', status: 'preparing' }} onFinish={submit}>
        <Form.Item name="source" label="放款机构来源">
          <Radio.Group optionType="button" options={[{ value: 'product', label: '产品库' }, { value: 'free', label: '手填机构' }]} />
        </Form.Item>
        {source !== 'free' ? (
          <Form.Item name="product_id" label="产品" rules={[{ required: true, message: '请选择产品' }]}>
            <Select
              showSearch
              optionFilterProp="label"
              placeholder="从产品库选择"
              loading={products.isPending}
              data-testid="application-product"
              options={(products.data ?? []).map((p) => ({
                value: p.id,
                label: p.product.institution ? `${p.product.name}（${p.product.institution}）` : p.product.name,
              }))}
            />
          </Form.Item>
        ) : (
          <Form.Item name="institution" label="放款机构" rules={[{ required: true, message: '请填写放款机构' }]}>
            <Input maxLength={100} placeholder="如：某农商银行" data-testid="application-institution" />
          </Form.Item>
        )}
        <Form.Item name="amount_applied_wan" label="申请金额（万元）" rules={[{ required: true, message: '请填写申请金额' }]}>
          <InputNumber min={0.01} max={100000} style={{ width: '100%' }} data-testid="application-amount" />
        </Form.Item>
        <Form.Item name="status" label="状态">
          <Select options={APPLICATION_STATUS_OPTIONS.filter((o) => ['preparing', 'submitted', 'reviewing'].includes(o.value))} />
        </Form.Item>
        <Form.Item name="submitted_on" label="进件日期" extra="不填时，进件后默认今天">
          <DatePicker style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item name="note" label="备注">
          <Input.TextArea maxLength={500} autoSize={{ minRows: 1, maxRows: 4 }} />
        </Form.Item>
      </Form>
    </Modal>
  )
}

interface MoveForm {
  status: ApplicationStatus
  approved_wan?: number
  rate_pct?: number
  term_months?: number
  disbursed_wan?: number
  disbursed_on?: Dayjs | null
  reason?: string
  note?: string
}

function MoveStatusModal({ app, onClose }: { app: Application | null; onClose: () => void }) {
  const [form] = Form.useForm<MoveForm>()
  const update = useUpdateApplication()
  const showError = useFieldErrors()
  const { message } = App.useApp()
  const status = Form.useWatch('status', form)
  if (!app) return null
  const next = nextStatuses(app.status)
  const needsApproval = ['approved', 'disbursed', 'settled'].includes(status ?? '')
  const needsDisbursal = ['disbursed', 'settled'].includes(status ?? '')
  const submit = (v: MoveForm) =>
    update.mutate(
      {
        id: app.id,
        body: {
          status: v.status,
          approved_wan: v.approved_wan ?? undefined,
          rate_pct: v.rate_pct ?? undefined,
          term_months: v.term_months ?? undefined,
          disbursed_wan: v.disbursed_wan ?? undefined,
          disbursed_on: day(v.disbursed_on),
          reason: v.reason || undefined,
          note: v.note,
        },
      },
      {
        onSuccess: (a) => {
          message.success(`进件状态已更新为「${statusLabel(a.status)}」`)
          onClose()
        },
        onError: (e) => showError(form, e),
      },
    )
  return (
    <Modal
      title={`更新进件状态：${app.institution}`}
      open
      onCancel={onClose}
      onOk={() => form.submit()}
      okText="保存"
      confirmLoading={update.isPending}
      destroyOnHidden
    >
      <Form
        form={form}
        layout="vertical"
        onFinish={submit}
        initialValues={{
          status: next[0],
          approved_wan: app.approved_wan ?? undefined,
          rate_pct: app.rate_pct ?? undefined,
          term_months: app.term_months ?? undefined,
          disbursed_wan: app.disbursed_wan ?? undefined,
          note: app.note ?? undefined,
        }}
      >
        <Form.Item name="status" label="新状态" rules={[{ required: true }]}>
          <Select data-testid="application-next-status" options={next.map((s) => ({ value: s, label: statusLabel(s) }))} />
        </Form.Item>
        {needsApproval && (
          <Space wrap style={{ width: '100%' }}>
            <Form.Item name="approved_wan" label="批复金额（万元）" rules={[{ required: true, message: '请填写批复金额' }]}>
              <InputNumber min={0.01} max={100000} data-testid="application-approved" />
            </Form.Item>
            <Form.Item name="rate_pct" label="年化利率（%）">
              <InputNumber min={0} max={100} step={0.01} />
            </Form.Item>
            <Form.Item name="term_months" label="期限（月）">
              <InputNumber min={1} max={600} precision={0} />
            </Form.Item>
          </Space>
        )}
        {needsDisbursal && (
          <Space wrap style={{ width: '100%' }}>
            <Form.Item name="disbursed_wan" label="放款金额（万元）" rules={[{ required: true, message: '请填写放款金额' }]}>
              <InputNumber min={0.01} max={100000} data-testid="application-disbursed" />
            </Form.Item>
            <Form.Item name="disbursed_on" label="放款日期" rules={[{ required: true, message: '请选择放款日期' }]}>
              <DatePicker data-testid="application-disbursed-on" />
            </Form.Item>
          </Space>
        )}
        {(status === 'rejected' || status === 'withdrawn') && (
          <Form.Item
            name="reason"
            label={status === 'rejected' ? '拒绝原因' : '放弃原因'}
            rules={status === 'rejected' ? [{ required: true, message: '请填写拒绝原因' }] : []}
          >
            <Input.TextArea maxLength={500} autoSize={{ minRows: 2, maxRows: 4 }} data-testid="application-reason" />
          </Form.Item>
        )}
        <Form.Item name="note" label="备注">
          <Input.TextArea maxLength={500} autoSize={{ minRows: 1, maxRows: 4 }} />
        </Form.Item>
      </Form>
    </Modal>
  )
}

function HistoryModal({ id, onClose }: { id: number | null; onClose: () => void }) {
  const q = useApplication(id)
  return (
    <Modal title="进件历史" open={id != null} onCancel={onClose} footer={null} destroyOnHidden>
      {q.isError && <ErrorResult error={q.error} onRetry={() => q.refetch()} />}
      {q.data && (
        <Timeline
          items={q.data.history.map((e) => ({
            color: e.status === 'rejected' ? 'red' : e.status === 'disbursed' ? 'green' : 'blue',
            children: (
              <>
                <Tag color={STATUS_COLORS[e.status]}>{statusLabel(e.status)}</Tag>
                <Typography.Text type="secondary">
                  {e.at.replace('T', ' ').slice(0, 16)} {e.actor_name ?? ''}
                </Typography.Text>
                {e.reason && <div>原因：{e.reason}</div>}
              </>
            ),
          }))}
        />
      )}
    </Modal>
  )
}

export function ApplicationSummary({ a }: { a: Application }) {
  const parts = [`申请 ${wan(a.amount_applied_wan)}`]
  if (a.approved_wan != null) parts.push(`批复 ${wan(a.approved_wan)}`)
  if (a.rate_pct != null) parts.push(`年化 ${a.rate_pct}%`)
  if (a.term_months != null) parts.push(`${a.term_months} 个月`)
  if (a.disbursed_wan != null) parts.push(`放款 ${wan(a.disbursed_wan)}${a.disbursed_on ? `（${a.disbursed_on}）` : ''}`)
  return <Typography.Text type="secondary">{parts.join(' · ')}</Typography.Text>
}

/** 进件: the customer's applications to lenders, their status and history. */
export function ApplicationsTab({ customerId }: { customerId: number }) {
  const list = useCustomerApplications(customerId)
  const [adding, setAdding] = useState(false)
  const [moving, setMoving] = useState<Application | null>(null)
  const [history, setHistory] = useState<number | null>(null)
  const phone = !Grid.useBreakpoint().md
  if (list.isError) {
    const deleted = list.error instanceof ApiError && list.error.code === 'deleted'
    if (deleted) return <Alert type="info" showIcon message={errorMessage(list.error)} />
    return <ErrorResult error={list.error} onRetry={() => list.refetch()} />
  }
  return (
    <Card
      size="small"
      title="进件记录"
      extra={
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setAdding(true)} data-testid="application-add">
          新增进件
        </Button>
      }
    >
      <List
        loading={list.isPending}
        dataSource={list.data ?? []}
        locale={{ emptyText: '还没有进件，点「新增进件」记录向银行的申请' }}
        renderItem={(a) => {
          const actions = [
            nextStatuses(a.status).length > 0 && (
              <Button key="move" size="small" type="link" onClick={() => setMoving(a)} data-testid="application-move">
                更新状态
              </Button>
            ),
            <Button key="history" size="small" type="link" icon={<HistoryOutlined />} onClick={() => setHistory(a.id)}>
              历史
            </Button>,
          ].filter(Boolean)
          return (
            <List.Item data-testid="application-item" actions={phone ? undefined : actions}>
              <List.Item.Meta
                title={
                  <Space wrap size={4}>
                    <span>{a.institution}</span>
                    {a.product_name && a.product_name !== a.institution && <Typography.Text type="secondary">{a.product_name}</Typography.Text>}
                    <Tag color={STATUS_COLORS[a.status]} data-testid="application-status">
                      {statusLabel(a.status)}
                    </Tag>
                  </Space>
                }
                description={
                  <>
                    <ApplicationSummary a={a} />
                    {a.reason && <div>原因：{a.reason}</div>}
                    {a.note && <div>备注：{a.note}</div>}
                    {phone && <div style={{ marginLeft: -8, marginTop: 4 }}>{actions}</div>}
                  </>
                }
              />
            </List.Item>
          )
        }}
      />
      <NewApplicationModal customerId={customerId} open={adding} onClose={() => setAdding(false)} />
      <MoveStatusModal key={moving?.id ?? 0} app={moving} onClose={() => setMoving(null)} />
      <HistoryModal id={history} onClose={() => setHistory(null)} />
    </Card>
  )
}
