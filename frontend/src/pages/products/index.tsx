import { useRef, useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { App, Button, Form, Input, InputNumber, Modal, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd'
import { PlusOutlined } from '@ant-design/icons'
import dayjs from 'dayjs'
import { api } from '../../api/client'
import { ApiError, errorMessage, unwrap } from '../../api/errors'
import type { Res } from '../../api/types'
import { useMe } from '../../auth/useAuth'
import { ErrorResult } from '../../components/ErrorResult'
import { JsonDocEditor, locateProblem, parseProblem, type JsonDocEditorHandle, type JsonProblem } from '../../components/JsonDocEditor'
import { pretty } from '../../components/json'
import { PageHeader } from '../../components/PageHeader'
import { PRODUCT_FAMILY_OPTIONS, labelOf, vocabularyOptions } from '../../domain/labels'

type ProductRecord = Res<'/api/products'>[number]
/** The fields of a product document the table shows; the rest (gates, amount formula) is edited as JSON. */
interface ProductDoc {
  id?: string
  name?: string
  family?: string
  is_example?: boolean
  active?: boolean
  min_wan?: number
  max_wan?: number
  last_verified_on?: string | null
  notes?: string
  institution?: string | null
  rate_min_pct?: number | null
  rate_max_pct?: number | null
  term_months_min?: number | null
  term_months_max?: number | null
  term_text?: string | null
  repayment_methods?: string[]
  disbursement_time?: string | null
  contact?: string | null
}
const QUOTE_KEYS = [
  'institution',
  'rate_min_pct',
  'rate_max_pct',
  'term_months_min',
  'term_months_max',
  'term_text',
  'repayment_methods',
  'disbursement_time',
  'contact',
] as const
const REPAYMENT_OPTIONS = vocabularyOptions('RepaymentMethod')

/** What a broker quotes, in one line: "某银行 · 年化 3.2–6.5% · 6–36 个月 · 先息后本 · 最快当天". */
export function quoteText(d: ProductDoc): string {
  const parts: string[] = []
  if (d.institution) parts.push(d.institution)
  if (d.rate_min_pct != null || d.rate_max_pct != null)
    parts.push(`年化 ${[d.rate_min_pct, d.rate_max_pct].filter((x) => x != null).join('–')}%`)
  if (d.term_months_min != null || d.term_months_max != null)
    parts.push(`${[d.term_months_min, d.term_months_max].filter((x) => x != null).join('–')} 个月`)
  if (d.term_text) parts.push(d.term_text)
  if (d.repayment_methods?.length) parts.push(d.repayment_methods.map((m) => labelOf(REPAYMENT_OPTIONS, m)).join('/'))
  if (d.disbursement_time) parts.push(d.disbursement_time)
  if (d.contact) parts.push(`联系：${d.contact}`)
  return parts.join(' · ')
}

/** Edits the quote fields only; the rest of the product document is kept as it is. */
function QuoteEditor({ record, onClose }: { record: ProductRecord; onClose: () => void }) {
  const qc = useQueryClient()
  const { message } = App.useApp()
  const [form] = Form.useForm<ProductDoc>()
  const save = useMutation({
    mutationFn: (body: unknown) => unwrap(api.PUT('/api/products/{id}', { params: { path: { id: record.id } }, body: body as never })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['products'] }),
  })
  const submit = (v: ProductDoc) => {
    const body: Record<string, unknown> = { ...(record.product as Record<string, unknown>) }
    for (const k of QUOTE_KEYS) {
      const value = v[k]
      const empty = value == null || value === '' || (Array.isArray(value) && value.length === 0)
      if (empty) delete body[k]
      else body[k] = typeof value === 'string' ? value.trim() : value
    }
    save.mutate(body, {
      onSuccess: () => {
        message.success('报价信息已保存')
        onClose()
      },
      onError: (e) => {
        const problem = e instanceof ApiError ? (e.body as { errors?: { path: string; message: string }[] } | undefined)?.errors?.[0] : undefined
        if (problem && (QUOTE_KEYS as readonly string[]).includes(problem.path))
          form.setFields([{ name: problem.path as keyof ProductDoc, errors: [problem.message] }])
        else message.error(errorMessage(e))
      },
    })
  }
  const d = doc(record)
  return (
    <Modal title={`报价信息：${d.name}`} open onCancel={onClose} onOk={() => form.submit()} okText="保存" confirmLoading={save.isPending}>
      <Form form={form} layout="vertical" initialValues={Object.fromEntries(QUOTE_KEYS.map((k) => [k, d[k] ?? undefined]))} onFinish={submit}>
        <Form.Item name="institution" label="放款机构">
          <Input maxLength={100} />
        </Form.Item>
        <Space wrap>
          <Form.Item name="rate_min_pct" label="年化利率下限（%）">
            <InputNumber min={0} max={100} step={0.01} />
          </Form.Item>
          <Form.Item name="rate_max_pct" label="年化利率上限（%）">
            <InputNumber min={0} max={100} step={0.01} />
          </Form.Item>
        </Space>
        <Space wrap>
          <Form.Item name="term_months_min" label="最短期限（月）">
            <InputNumber min={1} max={600} precision={0} />
          </Form.Item>
          <Form.Item name="term_months_max" label="最长期限（月）">
            <InputNumber min={1} max={600} precision={0} />
          </Form.Item>
        </Space>
        <Form.Item name="term_text" label="期限说明" extra="月数说不清时填写，如：1年期，到期可续贷">
          <Input maxLength={100} />
        </Form.Item>
        <Form.Item name="repayment_methods" label="还款方式">
          <Select mode="multiple" options={REPAYMENT_OPTIONS} />
        </Form.Item>
        <Form.Item name="disbursement_time" label="放款时效">
          <Input maxLength={100} placeholder="如：最快当天放款" />
        </Form.Item>
        <Form.Item name="contact" label="机构联系人">
          <Input maxLength={200} placeholder="客户经理、电话" />
        </Form.Item>
      </Form>
    </Modal>
  )
}
const doc = (r: ProductRecord) => (r.product ?? {}) as ProductDoc

const NEW_PRODUCT = {
  id: 'my_product',
  name: '新产品',
  family: 'credit_loan',
  is_example: false,
  active: true,
  gates: [{ kind: 'min_company_age_months', months: 12 }, { kind: 'no_current_overdue' }],
  amount: { kind: 'fixed', wan: 30 },
  min_wan: 0,
  max_wan: 100,
  last_verified_on: dayjs().format('YYYY-MM-DD'),
  notes: '',
}

function ProductEditor({ record, onClose }: { record: ProductRecord | 'new'; onClose: () => void }) {
  const qc = useQueryClient()
  const { message } = App.useApp()
  const [text, setText] = useState(() => pretty(record === 'new' ? NEW_PRODUCT : record.product))
  const [problems, setProblems] = useState<(JsonProblem & { line?: number; offset?: number })[]>([])
  const editor = useRef<JsonDocEditorHandle>(null)
  const save = useMutation({
    mutationFn: (body: unknown) =>
      record === 'new'
        ? unwrap(api.POST('/api/products', { body: body as never }))
        : unwrap(api.PUT('/api/products/{id}', { params: { path: { id: record.id } }, body: body as never })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['products'] }),
  })

  async function ok() {
    setProblems([])
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch (e) {
      const p = parseProblem(text, e)
      setProblems([p])
      editor.current?.jump(p)
      return
    }
    try {
      await save.mutateAsync(body)
      message.success('产品已保存')
      onClose()
    } catch (e) {
      const raw = e instanceof ApiError ? e.problems() : []
      const list: JsonProblem[] = raw.length ? raw : [{ message: errorMessage(e), path: e instanceof ApiError ? e.field : undefined }]
      const located = list.map((p) => locateProblem(text, p, ['product']))
      setProblems(located)
      const first = located.find((p) => p.offset != null)
      if (first) editor.current?.jump(first)
    }
  }

  return (
    <Modal
      open
      width={820}
      title={record === 'new' ? '新增产品' : `编辑产品：${doc(record).name ?? ''}`}
      okText="校验并保存"
      confirmLoading={save.isPending}
      onOk={ok}
      onCancel={onClose}
    >
      <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
        准入门槛（gates）、额度公式（amount）、上下限与“最后核实日期”都在这里；保存时会逐项校验并指出出错位置。
      </Typography.Paragraph>
      <JsonDocEditor ref={editor} label="产品 JSON" value={text} onChange={setText} problems={problems} title="产品未保存" minRows={18} />
    </Modal>
  )
}

export default function ProductsPage() {
  const me = useMe()
  const isAdmin = me.data?.role === 'admin'
  const qc = useQueryClient()
  const { message } = App.useApp()
  const list = useQuery({ queryKey: ['products'], queryFn: () => unwrap(api.GET('/api/products')) })
  const [editing, setEditing] = useState<ProductRecord | 'new' | null>(null)
  const [quoting, setQuoting] = useState<ProductRecord | null>(null)
  const del = useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE('/api/products/{id}', { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['products'] }),
  })
  const stale = (d?: string | null) => !d || dayjs().diff(dayjs(d), 'month') >= 6

  return (
    <>
      <PageHeader
        title="产品库"
        sub="各类贷款产品的准入门槛与额度参数；标“示例”的为公开资料整理，使用前请向机构核实"
        extra={
          isAdmin && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
              新增产品
            </Button>
          )
        }
      />
      {list.isError && <ErrorResult error={list.error} onRetry={() => list.refetch()} />}
      <Table<ProductRecord>
        rowKey="id"
        size="middle"
        loading={list.isPending}
        dataSource={list.data ?? []}
        scroll={{ x: 900 }}
        expandable={{
          expandedRowRender: (r) => <pre style={{ fontSize: 12, whiteSpace: 'pre-wrap', margin: 0 }}>{pretty(r.product)}</pre>,
        }}
        columns={[
          {
            title: '名称',
            key: 'name',
            width: 220,
            render: (_, r) => (
              <>
                {doc(r).name} {doc(r).is_example && <Tag>示例</Tag>}
              </>
            ),
          },
          { title: '类型', key: 'family', width: 90, render: (_, r) => labelOf(PRODUCT_FAMILY_OPTIONS, doc(r).family) },
          { title: '额度区间', key: 'range', width: 130, render: (_, r) => `${doc(r).min_wan ?? 0}–${doc(r).max_wan ?? '?'} 万` },
          {
            title: '最后核实',
            key: 'verified',
            width: 120,
            render: (_, r) => {
              const d = doc(r).last_verified_on
              return stale(d) ? <Tag color="orange">{d ?? '未核实'}</Tag> : d
            },
          },
          {
            title: '状态',
            key: 'active',
            width: 80,
            render: (_, r) => (doc(r).active === false ? <Tag>停用</Tag> : <Tag color="green">启用</Tag>),
          },
          { title: '报价', key: 'quote', width: 260, render: (_, r) => quoteText(doc(r)) || <Typography.Text type="secondary">—</Typography.Text> },
          { title: '说明', key: 'notes', ellipsis: true, render: (_, r) => doc(r).notes },
          ...(isAdmin
            ? [
                {
                  title: '操作',
                  key: 'op',
                  width: 190,
                  render: (_: unknown, r: ProductRecord) => (
                    <Space size="small">
                      <Button type="link" size="small" onClick={() => setQuoting(r)}>
                        报价
                      </Button>
                      <Button type="link" size="small" onClick={() => setEditing(r)}>
                        编辑
                      </Button>
                      <Popconfirm
                        title="删除此产品？"
                        onConfirm={() => del.mutateAsync(r.id).then(() => message.success('已删除'), (e) => message.error(errorMessage(e)))}
                      >
                        <Button type="link" size="small" danger>
                          删除
                        </Button>
                      </Popconfirm>
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      {editing != null && <ProductEditor record={editing} onClose={() => setEditing(null)} />}
      {quoting != null && <QuoteEditor record={quoting} onClose={() => setQuoting(null)} />}
    </>
  )
}
