import { useState } from 'react'
import { Link } from 'react-router'
import { Alert, App, Button, Checkbox, DatePicker, Form, Input, Modal, Radio, Select, Space, Table, Tag, Typography, type ButtonProps } from 'antd'
import { PlusOutlined, PrinterOutlined } from '@ant-design/icons'
import dayjs, { type Dayjs } from 'dayjs'
import { errorMessage } from '../../../api/errors'
import { ErrorResult } from '../../../components/ErrorResult'
import { useDocuments } from './documentsApi'
import {
  DATA_KINDS,
  METHODS,
  PURPOSES,
  businessToday,
  dataLabel,
  methodLabel,
  purposeLabel,
  type Consent,
  type ConsentData,
  type ConsentMethod,
  type ConsentPurpose,
  useConsents,
  useCreateConsent,
  useWithdrawConsent,
} from './consentsApi'

interface ConsentForm {
  purposes: ConsentPurpose[]
  data: ConsentData[]
  method: ConsentMethod
  obtained_on: Dayjs
  document_id?: number
  note?: string
}

/** 登记授权: the signed 授权书's details; `open` starts it, `onDone` closes it. */
export function ConsentModal({
  customerId,
  open,
  onClose,
  initial,
}: {
  customerId: number
  open: boolean
  onClose: () => void
  initial?: Partial<Pick<ConsentForm, 'purposes' | 'data'>>
}) {
  const { message } = App.useApp()
  const [form] = Form.useForm<ConsentForm>()
  const create = useCreateConsent(customerId)
  const docs = useDocuments(customerId)
  const submit = (v: ConsentForm) =>
    create.mutate(
      {
        purposes: v.purposes,
        data: v.data,
        method: v.method,
        obtained_on: v.obtained_on.format('YYYY-MM-DD'),
        document_id: v.document_id ?? null,
        note: v.note?.trim() ? v.note : null,
      },
      {
        onSuccess: () => {
          message.success('已登记客户授权')
          form.resetFields()
          onClose()
        },
        onError: (e) => message.error(errorMessage(e)),
      },
    )
  return (
    <Modal
      open={open}
      title="登记客户授权"
      onCancel={onClose}
      onOk={() => form.submit()}
      okText="保存"
      okButtonProps={{ 'data-testid': 'consent-save' } as ButtonProps}
      confirmLoading={create.isPending}
      destroyOnHidden
    >
      <Form<ConsentForm>
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={{
          purposes: initial?.purposes ?? ['assessment'],
          data: initial?.data ?? ['credit_report', 'bank_flow'],
          method: 'paper',
          obtained_on: dayjs(businessToday()),
        }}
        onFinish={submit}
      >
        <Form.Item
          name="purposes"
          label="授权用途（每项单独勾选）"
          rules={[{ required: true, message: '请至少勾选一项授权用途' }]}
        >
          <Checkbox.Group options={PURPOSES} data-testid="consent-purposes" />
        </Form.Item>
        <Form.Item name="data" label="授权的信息" rules={[{ required: true, message: '请至少勾选一项信息' }]}>
          <Checkbox.Group options={DATA_KINDS} data-testid="consent-data" />
        </Form.Item>
        <Form.Item name="method" label="授权方式">
          <Radio.Group options={METHODS} />
        </Form.Item>
        <Form.Item name="obtained_on" label="签署日期" rules={[{ required: true, message: '请选择签署日期' }]}>
          <DatePicker
            style={{ width: '100%' }}
            disabledDate={(d) => d.format('YYYY-MM-DD') > businessToday()}
            data-testid="consent-date"
          />
        </Form.Item>
        <Form.Item name="document_id" label="授权书扫描件（可选，从该客户已上传的资料中选择）">
          <Select
            allowClear
            placeholder={docs.data?.length ? '选择资料' : '该客户还没有上传资料'}
            options={(docs.data ?? []).map((d) => ({ value: d.id, label: d.file_name }))}
          />
        </Form.Item>
        <Form.Item name="note" label="备注">
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
      </Form>
    </Modal>
  )
}

/** 授权: the customer's consents (个人信息处理授权书), recording, withdrawing and printing the form. */
export function ConsentsTab({ customerId }: { customerId: number }) {
  const { message } = App.useApp()
  const q = useConsents(customerId)
  const withdraw = useWithdrawConsent(customerId)
  const [adding, setAdding] = useState(false)
  const [withdrawing, setWithdrawing] = useState<Consent | null>(null)
  const [reason, setReason] = useState('')
  if (q.isError) return <ErrorResult error={q.error} />
  const valid = (q.data ?? []).filter((c) => c.valid)
  const confirmWithdraw = () => {
    if (!withdrawing) return
    withdraw.mutate(
      { id: withdrawing.id, reason: reason.trim() || undefined },
      {
        onSuccess: () => {
          message.success('已撤回授权')
          setWithdrawing(null)
          setReason('')
        },
        onError: (e) => message.error(errorMessage(e)),
      },
    )
  }
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {!q.isLoading && valid.length === 0 && (
        <Alert
          type="warning"
          showIcon
          message="该客户还没有有效的授权"
          description="录入征信、银行流水数据，生成分享链接或向金融机构进件前，须先取得客户签署的《个人信息处理授权书》并在此登记。"
        />
      )}
      <Space wrap>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setAdding(true)} data-testid="consent-add">
          登记授权
        </Button>
        <Link to={`/customers/${customerId}/consents/print`} data-testid="consent-print-link">
          <Button icon={<PrinterOutlined />}>打印授权书</Button>
        </Link>
      </Space>
      <Table<Consent>
        rowKey="id"
        size="small"
        loading={q.isLoading}
        dataSource={q.data ?? []}
        pagination={false}
        scroll={{ x: true }}
        data-testid="consents-table"
        columns={[
          {
            title: '状态',
            render: (_, c) =>
              c.valid ? (
                <Tag color="green" data-testid="consent-valid">有效</Tag>
              ) : (
                <Tag data-testid="consent-withdrawn">已撤回</Tag>
              ),
          },
          { title: '用途', render: (_, c) => c.purposes.map(purposeLabel).join('、') },
          { title: '信息', render: (_, c) => c.data.map(dataLabel).join('、') },
          { title: '方式', render: (_, c) => methodLabel(c.method) },
          { title: '签署日期', dataIndex: 'obtained_on' },
          { title: '扫描件', render: (_, c) => c.document_name ?? '—' },
          {
            title: '登记 / 撤回',
            render: (_, c) => (
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {c.recorded_by_name ?? '—'} {c.created_at.slice(0, 10)}
                {c.withdrawn_at && ` · 撤回于 ${c.withdrawn_at.slice(0, 10)}${c.withdraw_reason ? `（${c.withdraw_reason}）` : ''}`}
              </Typography.Text>
            ),
          },
          {
            title: '操作',
            render: (_, c) => (
              <Space size={4} wrap>
                <Link to={`/customers/${customerId}/consents/print?consent=${c.id}`}>
                  <Button size="small" icon={<PrinterOutlined />}>
                    打印
                  </Button>
                </Link>
                {c.valid && (
                  <Button size="small" danger onClick={() => setWithdrawing(c)} data-testid="consent-withdraw">
                    撤回
                  </Button>
                )}
              </Space>
            ),
          },
        ]}
      />
      <ConsentModal customerId={customerId} open={adding} onClose={() => setAdding(false)} />
      <Modal
        open={withdrawing != null}
        title="撤回客户授权"
        onCancel={() => setWithdrawing(null)}
        onOk={confirmWithdraw}
        okText="确认撤回"
        okButtonProps={{ danger: true, 'data-testid': 'consent-withdraw-confirm' } as ButtonProps}
        confirmLoading={withdraw.isPending}
      >
        <p>撤回后，该授权不再有效：已录入的资料保留，但不能再录入新的征信、流水数据，也不能再向金融机构提交。</p>
        <Input.TextArea
          rows={2}
          maxLength={500}
          placeholder="撤回原因（可选）"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </Modal>
    </Space>
  )
}
