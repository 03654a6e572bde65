import { useState } from 'react'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { App, Button, Form, Input, InputNumber, Popconfirm, Select, Space, Switch, Table, Tag } from 'antd'
import { PlusOutlined } from '@ant-design/icons'
import { api } from '../../api/client'
import { errorMessage, unwrap } from '../../api/errors'
import type { Provider, ProviderInput } from '../../api/types'
import { ErrorResult } from '../../components/ErrorResult'
import { FormModal } from '../../components/FormModal'
import { PageHeader } from '../../components/PageHeader'
import { PROVIDER_CATEGORY_OPTIONS, labelOf } from '../../domain/labels'
import { useProviders } from '../plans/hooks'

export default function ProvidersPage() {
  const list = useProviders()
  const qc = useQueryClient()
  const { message } = App.useApp()
  const [editing, setEditing] = useState<Provider | 'new' | null>(null)
  const [category, setCategory] = useState<string | undefined>()
  const invalidate = () => qc.invalidateQueries({ queryKey: ['providers'] })
  const save = useMutation({
    mutationFn: ({ id, body }: { id?: number; body: ProviderInput }) =>
      id == null
        ? unwrap(api.POST('/api/providers', { body }))
        : unwrap(api.PUT('/api/providers/{id}', { params: { path: { id } }, body })),
    onSuccess: invalidate,
  })
  const del = useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE('/api/providers/{id}', { params: { path: { id } } })),
    onSuccess: invalidate,
  })
  const rows = (list.data ?? []).filter((p) => !category || p.category === category)

  return (
    <>
      <PageHeader
        title="服务商"
        sub="改造方案会从这里推荐服务商"
        extra={
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
            新增服务商
          </Button>
        }
      />
      <div className="toolbar">
        <Select allowClear placeholder="类别" options={PROVIDER_CATEGORY_OPTIONS} value={category} onChange={setCategory} style={{ width: 140 }} />
      </div>
      {list.isError && <ErrorResult error={list.error} onRetry={() => list.refetch()} />}
      <Table<Provider>
        rowKey="id"
        size="middle"
        loading={list.isPending}
        dataSource={rows}
        scroll={{ x: 900 }}
        columns={[
          { title: '名称', dataIndex: 'name', fixed: 'left', width: 180 },
          { title: '类别', dataIndex: 'category', width: 100, render: (c: string) => <Tag>{labelOf(PROVIDER_CATEGORY_OPTIONS, c)}</Tag> },
          { title: '联系人', dataIndex: 'contact_name', width: 100 },
          { title: '电话', dataIndex: 'contact_phone', width: 130 },
          {
            title: '价格（万元）',
            key: 'price',
            width: 120,
            render: (_, p) =>
              p.price_min_wan == null && p.price_max_wan == null ? '—' : `${p.price_min_wan ?? '?'}–${p.price_max_wan ?? '?'}`,
          },
          { title: '备注', dataIndex: 'notes', ellipsis: true },
          { title: '状态', dataIndex: 'active', width: 80, render: (a: boolean) => (a ? <Tag color="green">启用</Tag> : <Tag>停用</Tag>) },
          {
            title: '操作',
            key: 'op',
            width: 130,
            render: (_, p) => (
              <Space size="small">
                <Button type="link" size="small" onClick={() => setEditing(p)}>
                  编辑
                </Button>
                <Popconfirm
                  title="删除此服务商？"
                  onConfirm={() => del.mutateAsync(p.id).then(() => message.success('已删除'), (e) => message.error(errorMessage(e)))}
                >
                  <Button type="link" size="small" danger>
                    删除
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      <FormModal<ProviderInput>
        open={editing != null}
        title={editing === 'new' ? '新增服务商' : '编辑服务商'}
        initial={editing === 'new' ? { active: true } : (editing ?? undefined)}
        onCancel={() => setEditing(null)}
        onSubmit={async (body) => {
          await save.mutateAsync({ id: editing && editing !== 'new' ? editing.id : undefined, body })
          message.success('已保存')
          setEditing(null)
        }}
      >
        {() => (
          <>
            <Form.Item name="name" label="名称" rules={[{ required: true, message: '请输入名称' }]}>
              <Input maxLength={100} />
            </Form.Item>
            <Form.Item name="category" label="类别" rules={[{ required: true, message: '请选择类别' }]}>
              <Select options={PROVIDER_CATEGORY_OPTIONS} />
            </Form.Item>
            <Form.Item name="contact_name" label="联系人">
              <Input maxLength={50} />
            </Form.Item>
            <Form.Item name="contact_phone" label="电话">
              <Input maxLength={30} />
            </Form.Item>
            <Space.Compact block>
              <Form.Item name="price_min_wan" label="最低价格（万元）" style={{ width: '50%' }}>
                <InputNumber min={0} style={{ width: '100%' }} />
              </Form.Item>
              <Form.Item name="price_max_wan" label="最高价格（万元）" style={{ width: '50%' }}>
                <InputNumber min={0} style={{ width: '100%' }} />
              </Form.Item>
            </Space.Compact>
            <Form.Item name="notes" label="备注">
              <Input.TextArea rows={2} maxLength={2000} />
            </Form.Item>
            <Form.Item name="active" label="启用" valuePropName="checked">
              <Switch />
            </Form.Item>
          </>
        )}
      </FormModal>
    </>
  )
}
