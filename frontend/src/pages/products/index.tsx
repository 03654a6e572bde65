import { useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { App, Button, Col, DatePicker, Form, Input, InputNumber, Popconfirm, Row, Select, Space, Switch, Table, Tag, Typography } from 'antd'
import { PlusOutlined } from '@ant-design/icons'
import dayjs from 'dayjs'
import { api } from '../../api/client'
import { errorMessage, unwrap } from '../../api/errors'
import type { Product, ProductInput } from '../../api/types'
import { useMe } from '../../auth/useAuth'
import { ErrorResult } from '../../components/ErrorResult'
import { FormModal } from '../../components/FormModal'
import { JsonText, jsonRule, pretty } from '../../components/JsonField'
import { PageHeader } from '../../components/PageHeader'
import { PRODUCT_FAMILY_OPTIONS, labelOf } from '../../domain/labels'

/** Gates and the amount formula are structured data; the form edits them as JSON text. */
type ProductForm = Omit<ProductInput, 'gates' | 'amount' | 'last_verified_on'> & {
  gates?: string
  amount?: string
  last_verified_on?: dayjs.Dayjs | null
}

function toForm(p: Product): ProductForm {
  return {
    ...p,
    gates: pretty(p.gates),
    amount: pretty(p.amount),
    last_verified_on: p.last_verified_on ? dayjs(p.last_verified_on) : null,
  } as unknown as ProductForm
}

function fromForm(v: ProductForm): ProductInput {
  return {
    ...v,
    gates: v.gates?.trim() ? JSON.parse(v.gates) : [],
    amount: v.amount?.trim() ? JSON.parse(v.amount) : {},
    last_verified_on: v.last_verified_on ? v.last_verified_on.format('YYYY-MM-DD') : undefined,
  } as unknown as ProductInput
}

export default function ProductsPage() {
  const me = useMe()
  const isAdmin = me.data?.role === 'admin'
  const qc = useQueryClient()
  const { message } = App.useApp()
  const list = useQuery({ queryKey: ['products'], queryFn: () => unwrap(api.GET('/api/products')) })
  const [editing, setEditing] = useState<Product | 'new' | null>(null)
  const invalidate = () => qc.invalidateQueries({ queryKey: ['products'] })
  const save = useMutation({
    mutationFn: ({ id, body }: { id?: string; body: ProductInput }) =>
      id == null
        ? unwrap(api.POST('/api/products', { body }))
        : unwrap(api.PUT('/api/products/{id}', { params: { path: { id } }, body })),
    onSuccess: invalidate,
  })
  const del = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/products/{id}', { params: { path: { id } } })),
    onSuccess: invalidate,
  })
  const stale = (d?: string) => !d || dayjs().diff(dayjs(d), 'month') >= 6

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
      <Table<Product>
        rowKey="id"
        size="middle"
        loading={list.isPending}
        dataSource={list.data ?? []}
        scroll={{ x: 900 }}
        expandable={{
          expandedRowRender: (p) => (
            <Row gutter={16}>
              <Col xs={24} md={12}>
                <Typography.Text strong>准入门槛</Typography.Text>
                <pre style={{ fontSize: 12, whiteSpace: 'pre-wrap' }}>{pretty(p.gates)}</pre>
              </Col>
              <Col xs={24} md={12}>
                <Typography.Text strong>额度公式</Typography.Text>
                <pre style={{ fontSize: 12, whiteSpace: 'pre-wrap' }}>{pretty(p.amount)}</pre>
              </Col>
            </Row>
          ),
        }}
        columns={[
          {
            title: '名称',
            dataIndex: 'name',
            width: 220,
            render: (n: string, p) => (
              <>
                {n} {p.is_example && <Tag>示例</Tag>}
              </>
            ),
          },
          { title: '类型', dataIndex: 'family', width: 90, render: (f: string) => labelOf(PRODUCT_FAMILY_OPTIONS, f) },
          { title: '额度区间', key: 'range', width: 130, render: (_, p) => `${p.min_wan}–${p.max_wan} 万` },
          {
            title: '最后核实',
            dataIndex: 'last_verified_on',
            width: 120,
            render: (d?: string) => (stale(d) ? <Tag color="orange">{d ?? '未核实'}</Tag> : d),
          },
          { title: '状态', dataIndex: 'active', width: 80, render: (a: boolean) => (a ? <Tag color="green">启用</Tag> : <Tag>停用</Tag>) },
          { title: '备注', dataIndex: 'notes', ellipsis: true },
          ...(isAdmin
            ? [
                {
                  title: '操作',
                  key: 'op',
                  width: 130,
                  render: (_: unknown, p: Product) => (
                    <Space size="small">
                      <Button type="link" size="small" onClick={() => setEditing(p)}>
                        编辑
                      </Button>
                      <Popconfirm
                        title="删除此产品？"
                        onConfirm={() => del.mutateAsync(p.id).then(() => message.success('已删除'), (e) => message.error(errorMessage(e)))}
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
      <FormModal<ProductForm>
        open={editing != null}
        width={760}
        title={editing === 'new' ? '新增产品' : '编辑产品'}
        initial={
          editing === 'new'
            ? { active: true, is_example: false, family: 'tax_loan', min_wan: 0, max_wan: 100, gates: '[]', amount: '{}', notes: '' }
            : editing
              ? toForm(editing)
              : undefined
        }
        onCancel={() => setEditing(null)}
        onSubmit={async (v) => {
          await save.mutateAsync({ id: editing && editing !== 'new' ? editing.id : undefined, body: fromForm(v) })
          message.success('已保存')
          setEditing(null)
        }}
      >
        {() => (
          <Row gutter={12}>
            <Col xs={24} sm={8}>
              <Form.Item name="id" label="编号" rules={[{ required: true, message: '请输入编号（英文，如 tax_loan_ccb）' }]}>
                <Input maxLength={64} disabled={editing !== 'new'} />
              </Form.Item>
            </Col>
            <Col xs={24} sm={10}>
              <Form.Item name="name" label="名称" rules={[{ required: true, message: '请输入名称' }]}>
                <Input maxLength={100} />
              </Form.Item>
            </Col>
            <Col xs={24} sm={6}>
              <Form.Item name="family" label="类型" rules={[{ required: true }]}>
                <Select options={PRODUCT_FAMILY_OPTIONS} />
              </Form.Item>
            </Col>
            <Col xs={12} sm={6}>
              <Form.Item name="min_wan" label="最低（万元）">
                <InputNumber min={0} style={{ width: '100%' }} />
              </Form.Item>
            </Col>
            <Col xs={12} sm={6}>
              <Form.Item name="max_wan" label="最高（万元）">
                <InputNumber min={0} style={{ width: '100%' }} />
              </Form.Item>
            </Col>
            <Col xs={12} sm={6}>
              <Form.Item name="last_verified_on" label="最后核实">
                <DatePicker style={{ width: '100%' }} />
              </Form.Item>
            </Col>
            <Col xs={6} sm={3}>
              <Form.Item name="is_example" label="示例" valuePropName="checked">
                <Switch />
              </Form.Item>
            </Col>
            <Col xs={6} sm={3}>
              <Form.Item name="active" label="启用" valuePropName="checked">
                <Switch />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item name="gates" label="准入门槛（JSON 数组）" rules={[jsonRule]}>
                <JsonText rows={10} />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item name="amount" label="额度公式（JSON）" rules={[jsonRule]}>
                <JsonText rows={10} />
              </Form.Item>
            </Col>
            <Col xs={24}>
              <Form.Item name="notes" label="备注">
                <Input.TextArea rows={2} maxLength={1000} />
              </Form.Item>
            </Col>
          </Row>
        )}
      </FormModal>
    </>
  )
}
