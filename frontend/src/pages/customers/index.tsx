import { useState } from 'react'
import { Link, useNavigate, useSearchParams } from 'react-router'
import { App, Button, Checkbox, Input, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd'
import type { TableProps } from 'antd'
import { DeleteOutlined, DownloadOutlined, PlusOutlined, SyncOutlined, UndoOutlined } from '@ant-design/icons'
import { downloadFile } from '../../api/client'
import { errorMessage } from '../../api/errors'
import type { Customer, CustomerQuery } from '../../api/types'
import { useMe, useRights } from '../../auth/useAuth'
import { GradeBadge } from '../../components/diagnosis/GradeBadge'
import { PageHeader } from '../../components/PageHeader'
import { CATEGORY_OPTIONS, FIELDS_BY_KEY, STAGE_OPTIONS, labelOf } from '../../domain/labels'
import { useUserNames, useUsers } from '../../hooks/useUsers'
import { EraseCustomerModal } from './components/EraseCustomerModal'
import { useCustomerList, useDeleteCustomer, useRediagnoseAll, useRestoreCustomer } from './hooks'

const FILTER_KEYS = ['q', 'category', 'stage', 'industry', 'owner_id', 'sort'] as const

function readQuery(sp: URLSearchParams): CustomerQuery {
  const q: Record<string, string | number | boolean> = {}
  for (const k of FILTER_KEYS) {
    const v = sp.get(k)
    if (v) q[k] = k === 'owner_id' ? Number(v) : v
  }
  q.page = Number(sp.get('page') ?? 1) || 1
  q.page_size = Number(sp.get('page_size') ?? 20) || 20
  if (sp.get('deleted') === 'true') q.deleted = true
  return q as CustomerQuery
}

function toSearch(q: Record<string, unknown>): string {
  const sp = new URLSearchParams()
  for (const [k, v] of Object.entries(q)) {
    if (v !== undefined && v !== null && v !== '' && !(k === 'page' && v === 1) && !(k === 'page_size' && v === 20)) sp.set(k, String(v))
  }
  return sp.toString()
}

export default function CustomersPage() {
  const [sp, setSp] = useSearchParams()
  const query = readQuery(sp)
  const navigate = useNavigate()
  const { message } = App.useApp()
  const me = useMe()
  const isAdmin = me.data?.role === 'admin'
  const users = useUsers()
  const names = useUserNames()
  const list = useCustomerList(query)
  const del = useDeleteCustomer()
  const rights = useRights()
  const restore = useRestoreCustomer()
  const rediagnose = useRediagnoseAll()
  const [exporting, setExporting] = useState(false)
  const [qText, setQText] = useState(query.q ?? '')
  const trash = !!(query as { deleted?: boolean }).deleted
  const [erasing, setErasing] = useState<{ id: number; name: string } | null>(null)

  function update(patch: Record<string, unknown>, resetPage = true) {
    const next: Record<string, unknown> = { ...query, ...patch }
    if (resetPage) next.page = 1
    setSp(toSearch(next), { replace: true })
  }

  async function exportList(format: 'xlsx' | 'csv') {
    setExporting(true)
    try {
      const { page: _p, page_size: _s, ...filters } = query as Record<string, unknown>
      const qs = toSearch({ ...filters, format })
      await downloadFile(`/api/exports/customers?${qs}`, `客户导出.${format}`)
    } catch (e) {
      message.error(errorMessage(e))
    } finally {
      setExporting(false)
    }
  }

  const sortOrder = (key: string) =>
    query.sort === key ? ('ascend' as const) : query.sort === `-${key}` ? ('descend' as const) : null

  const columns: TableProps<Customer>['columns'] = [
    {
      title: FIELDS_BY_KEY.name.label,
      dataIndex: 'name',
      sorter: true,
      sortOrder: sortOrder('name'),
      render: (name: string, c) => <Link to={`/customers/${c.id}`}>{name}</Link>,
      fixed: 'left',
      width: 200,
    },
    {
      title: '分类',
      dataIndex: 'latest_category',
      width: 80,
      render: (v?: string | null) => <GradeBadge category={v} />,
    },
    {
      title: '总分',
      dataIndex: 'latest_total',
      key: 'latest_total',
      sorter: true,
      sortOrder: sortOrder('latest_total'),
      width: 90,
      render: (v?: number | null) => (v == null ? '—' : v.toFixed(0)),
    },
    { title: FIELDS_BY_KEY.industry.label, dataIndex: 'industry', width: 110, render: (v?: string | null) => v || '—' },
    {
      title: FIELDS_BY_KEY.stage.label,
      dataIndex: 'stage',
      width: 90,
      render: (v?: string | null) => <Tag>{labelOf(STAGE_OPTIONS, v)}</Tag>,
    },
    {
      title: FIELDS_BY_KEY.loan_demand_wan.label,
      dataIndex: 'loan_demand_wan',
      sorter: true,
      sortOrder: sortOrder('loan_demand_wan'),
      width: 110,
      render: (v?: number | null) => (v == null ? '—' : `${v} 万`),
    },
    { title: FIELDS_BY_KEY.uscc.label, dataIndex: 'uscc', width: 190, render: (v?: string | null) => v || '—' },
    {
      title: FIELDS_BY_KEY.owner_id.label,
      dataIndex: 'owner_id',
      width: 90,
      render: (v?: number | null) => (v == null ? '—' : (names.get(v) ?? `#${v}`)),
    },
    {
      title: '更新时间',
      dataIndex: 'updated_at',
      sorter: true,
      sortOrder: sortOrder('updated_at'),
      width: 170,
      render: (v: string) => v?.replace('T', ' ').slice(0, 16),
    },
    {
      title: '操作',
      key: 'actions',
      width: trash && isAdmin ? 190 : 110,
      render: (_, c) =>
        trash ? (
          <Space size="small">
            <Button
              size="small"
              icon={<UndoOutlined />}
              onClick={() =>
                restore.mutate(c.id, {
                  onSuccess: () => message.success('已恢复'),
                  onError: (e) => message.error(errorMessage(e)),
                })
              }
            >
              恢复
            </Button>
            {isAdmin && (
              <Button size="small" danger data-testid="erase-open" onClick={() => setErasing(c)}>
                彻底删除
              </Button>
            )}
          </Space>
        ) : (
          <Space size="small">
            <Link to={`/customers/${c.id}/edit`}>编辑</Link>
            {rights.canDelete && (
              <Popconfirm
                title="删除此客户？"
                description="删除后可在回收站恢复"
                onConfirm={() =>
                  del.mutateAsync(c.id).then(
                    () => message.success('已移入回收站'),
                    (e) => message.error(errorMessage(e)),
                  )
                }
              >
                <Button type="link" size="small" danger icon={<DeleteOutlined />} aria-label="删除" />
              </Popconfirm>
            )}
          </Space>
        ),
    },
  ]

  return (
    <>
      <PageHeader
        title={trash ? '回收站' : '客户'}
        extra={
          <>
            {rights.canExport && (
              <>
                <Button icon={<DownloadOutlined />} loading={exporting} onClick={() => exportList('xlsx')}>
                  导出 Excel
                </Button>
                <Button onClick={() => exportList('csv')} disabled={exporting}>
                  导出 CSV
                </Button>
              </>
            )}
            {isAdmin && (
              <Popconfirm
                title="用当前规则重新诊断全部客户？"
                description="每个客户生成一条新的诊断记录"
                onConfirm={() =>
                  rediagnose.mutateAsync().then(
                    (r) => message.success(`已重新诊断 ${r.diagnosed} 家客户`),
                    (e) => message.error(errorMessage(e)),
                  )
                }
              >
                <Button icon={<SyncOutlined />} loading={rediagnose.isPending}>
                  全部重新诊断
                </Button>
              </Popconfirm>
            )}
            <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/customers/new')}>
              新增客户
            </Button>
          </>
        }
      />
      <div className="toolbar">
        <Input.Search
          placeholder="名称 / 信用代码 / 法人 / 联系人 / 电话"
          allowClear
          value={qText}
          onChange={(e) => setQText(e.target.value)}
          onSearch={(v) => update({ q: v.trim() || undefined })}
          style={{ width: 300 }}
          aria-label="搜索客户"
        />
        <Select
          placeholder="分类"
          allowClear
          value={query.category}
          onChange={(v) => update({ category: v })}
          options={[...CATEGORY_OPTIONS, { value: 'none', label: '未诊断' }]}
          style={{ width: 110 }}
          aria-label="分类"
        />
        <Select
          placeholder="阶段"
          allowClear
          value={query.stage}
          onChange={(v) => update({ stage: v })}
          options={STAGE_OPTIONS}
          style={{ width: 120 }}
          aria-label="阶段"
        />
        <Input
          placeholder="行业"
          allowClear
          defaultValue={query.industry}
          onPressEnter={(e) => update({ industry: (e.target as HTMLInputElement).value.trim() || undefined })}
          onBlur={(e) => {
            const v = e.target.value.trim() || undefined
            if (v !== query.industry) update({ industry: v })
          }}
          style={{ width: 120 }}
          aria-label="行业"
        />
        {isAdmin ? (
          <Select
            placeholder="负责人"
            allowClear
            value={query.owner_id}
            onChange={(v) => update({ owner_id: v })}
            options={(users.data ?? []).map((u) => ({ value: u.id, label: u.display_name || u.username }))}
            style={{ width: 120 }}
            aria-label="负责人"
          />
        ) : !rights.seesAll ? null : (
          <Checkbox
            checked={query.owner_id === me.data?.id}
            onChange={(e) => update({ owner_id: e.target.checked ? me.data?.id : undefined })}
          >
            只看我的
          </Checkbox>
        )}
        <Checkbox checked={trash} onChange={(e) => update({ deleted: e.target.checked || undefined })}>
          回收站
        </Checkbox>
      </div>
      {list.isError && <Typography.Text type="danger">{errorMessage(list.error)}</Typography.Text>}
      <Table<Customer>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={list.data?.items ?? []}
        loading={list.isFetching}
        scroll={{ x: 1200 }}
        onChange={(pg, _f, sorter, extra) => {
          if (extra.action === 'sort') {
            const s = Array.isArray(sorter) ? sorter[0] : sorter
            const key = String(s.columnKey ?? s.field ?? '')
            update({ sort: s.order ? (s.order === 'descend' ? `-${key}` : key) : undefined })
          } else {
            update({ page: pg.current, page_size: pg.pageSize }, false)
          }
        }}
        pagination={{
          current: list.data?.page ?? query.page,
          pageSize: list.data?.page_size ?? query.page_size,
          total: list.data?.total ?? 0,
          showSizeChanger: true,
          showTotal: (t) => `共 ${t} 家`,
        }}
      />
      {erasing && <EraseCustomerModal customer={erasing} open onClose={() => setErasing(null)} onErased={() => setErasing(null)} />}
    </>
  )
}
