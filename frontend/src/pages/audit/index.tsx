import { useState } from 'react'
import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { Button, DatePicker, Input, Table, Tag, Typography } from 'antd'
import type { Dayjs } from 'dayjs'
import { api } from '../../api/client'
import { unwrap } from '../../api/errors'
import type { AuditPage, Query } from '../../api/types'
import { ErrorResult } from '../../components/ErrorResult'
import { pretty } from '../../components/json'
import { PageHeader } from '../../components/PageHeader'
import { actionLabel } from '../../domain/labels'

type Entry = AuditPage['items'][number]
type AuditQuery = Query<'/api/audit-logs'>

function Diff({ e }: { e: Entry }) {
  const box = { fontSize: 12, whiteSpace: 'pre-wrap' as const, background: '#fafafa', padding: 8, margin: 0, maxHeight: 320, overflow: 'auto' }
  return (
    <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(260px, 1fr))', gap: 12 }}>
      <div>
        <Typography.Text strong>修改前</Typography.Text>
        <pre style={box}>{e.before == null ? '—' : pretty(e.before)}</pre>
      </div>
      <div>
        <Typography.Text strong>修改后</Typography.Text>
        <pre style={box}>{e.after == null ? '—' : pretty(e.after)}</pre>
      </div>
    </div>
  )
}

export default function AuditPageView() {
  const [q, setQ] = useState<AuditQuery>({ page: 1, page_size: 20 })
  const [range, setRange] = useState<[Dayjs | null, Dayjs | null] | null>(null)
  const list = useQuery({
    queryKey: ['audit', q],
    queryFn: () => unwrap(api.GET('/api/audit-logs', { params: { query: q } })),
    placeholderData: keepPreviousData,
  })
  const set = (patch: Partial<AuditQuery>) => setQ((old) => ({ ...old, ...patch, page: 1 }))

  return (
    <>
      <PageHeader title="审计日志" sub="所有修改都会记录：谁、何时、从哪个 IP、改了什么" />
      <div className="toolbar">
        <Input.Search placeholder="操作，如 customer." allowClear onSearch={(v) => set({ action: v.trim() || undefined })} style={{ width: 200 }} />
        <Input.Search placeholder="对象类型，如 customer" allowClear onSearch={(v) => set({ resource_type: v.trim() || undefined })} style={{ width: 200 }} />
        <Input.Search placeholder="对象 ID" allowClear onSearch={(v) => set({ resource_id: v.trim() || undefined })} style={{ width: 140 }} />
        <DatePicker.RangePicker
          value={range}
          onChange={(r) => {
            setRange(r as [Dayjs | null, Dayjs | null] | null)
            set({ from: r?.[0]?.format('YYYY-MM-DD'), to: r?.[1]?.format('YYYY-MM-DD') })
          }}
        />
        <Button onClick={() => list.refetch()}>刷新</Button>
      </div>
      {list.isError ? (
        <ErrorResult error={list.error} onRetry={() => list.refetch()} />
      ) : (
        <Table<Entry>
          rowKey="id"
          size="small"
          loading={list.isFetching}
          dataSource={list.data?.items ?? []}
          scroll={{ x: 800 }}
          expandable={{ expandedRowRender: (e) => <Diff e={e} />, rowExpandable: (e) => e.before != null || e.after != null }}
          pagination={{
            current: list.data?.page ?? q.page,
            pageSize: list.data?.page_size ?? q.page_size,
            total: list.data?.total ?? 0,
            showSizeChanger: true,
            showTotal: (t) => `共 ${t} 条`,
            onChange: (page, page_size) => setQ((old) => ({ ...old, page, page_size })),
          }}
          columns={[
            { title: '时间', dataIndex: 'at', width: 170, render: (t: string) => t.replace('T', ' ').slice(0, 19) },
            { title: '用户', dataIndex: 'username', width: 110, render: (u) => u ?? '—' },
            {
              title: '操作',
              dataIndex: 'action',
              width: 200,
              render: (a: string) => (
                <>
                  {actionLabel(a)} <Tag style={{ marginLeft: 4 }}>{a}</Tag>
                </>
              ),
            },
            { title: '对象', key: 'res', render: (_, e) => `${e.resource_type}${e.resource_id ? ` #${e.resource_id}` : ''}` },
            { title: 'IP', dataIndex: 'ip', width: 140, render: (ip) => ip ?? '—' },
          ]}
        />
      )}
    </>
  )
}
