import { useState } from 'react'
import { Link } from 'react-router'
import { App, Button, Card, DatePicker, Grid, Input, List, Select, Space, Table, Tag } from 'antd'
import { DownloadOutlined } from '@ant-design/icons'
import { downloadFile } from '../../api/client'
import { errorMessage } from '../../api/errors'
import { ErrorResult } from '../../components/ErrorResult'
import { PageHeader } from '../../components/PageHeader'
import { wan } from '../../domain/labels'
import { ApplicationSummary } from '../customers/components/ApplicationsTab'
import { useRights } from '../../auth/useAuth'
import {
  APPLICATION_STATUS_OPTIONS,
  STATUS_COLORS,
  type Application,
  type ApplicationFilter,
  type ApplicationStatus,
  exportQuery,
  statusLabel,
  useApplications,
  useProducts,
} from './api'

/** 进件管理: every application one may see, with filters, paging and export. */
export default function ApplicationsPage() {
  const rights = useRights()
  const phone = !Grid.useBreakpoint().md
  const { message } = App.useApp()
  const products = useProducts()
  const [filter, setFilter] = useState<ApplicationFilter>({ page: 1, page_size: 20 })
  const list = useApplications(filter)
  const set = (patch: Partial<ApplicationFilter>) => setFilter((f) => ({ ...f, ...patch, page: 1 }))
  const download = (format: 'xlsx' | 'csv') =>
    downloadFile(exportQuery(filter, format), `applications.${format}`).catch((e) => message.error(errorMessage(e)))

  const columns = [
    { title: '客户', dataIndex: 'customer_name', render: (_: string, a: Application) => <Link to={`/customers/${a.customer_id}`}>{a.customer_name}</Link> },
    { title: '放款机构', dataIndex: 'institution', render: (_: string, a: Application) => (a.product_name && a.product_name !== a.institution ? `${a.institution} · ${a.product_name}` : a.institution) },
    { title: '申请金额', dataIndex: 'amount_applied_wan', render: (v: number) => wan(v) },
    { title: '状态', dataIndex: 'status', render: (s: string) => <Tag color={STATUS_COLORS[s]}>{statusLabel(s)}</Tag> },
    { title: '进件日期', dataIndex: 'submitted_on', render: (v?: string | null) => v ?? '—' },
    { title: '批复', dataIndex: 'approved_wan', render: (v?: number | null) => wan(v) },
    { title: '放款', dataIndex: 'disbursed_wan', render: (v: number | null, a: Application) => (v != null ? `${wan(v)}（${a.disbursed_on ?? ''}）` : '—') },
  ]

  return (
    <>
      <PageHeader title="进件管理" />
      <Card size="small" style={{ marginBottom: 12 }}>
        <Space wrap>
          <Input.Search allowClear placeholder="客户名称" style={{ width: phone ? '100%' : 200 }} onSearch={(q) => set({ q: q || undefined })} />
          <Select
            allowClear
            placeholder="状态"
            style={{ width: 140 }}
            options={APPLICATION_STATUS_OPTIONS}
            onChange={(v?: ApplicationStatus) => set({ status: v })}
            data-testid="applications-status-filter"
          />
          <Select
            allowClear
            showSearch
            optionFilterProp="label"
            placeholder="产品"
            style={{ width: 200 }}
            options={(products.data ?? []).map((p) => ({ value: p.id, label: p.product.name }))}
            onChange={(v?: number) => set({ product_id: v })}
          />
          <DatePicker.RangePicker
            placeholder={['进件日期从', '到']}
            onChange={(r) => set({ submitted_from: r?.[0]?.format('YYYY-MM-DD'), submitted_to: r?.[1]?.format('YYYY-MM-DD') })}
          />
          {rights.canExport && (
            <>
              <Button icon={<DownloadOutlined />} onClick={() => download('xlsx')}>
                导出 Excel
              </Button>
              <Button onClick={() => download('csv')}>导出 CSV</Button>
            </>
          )}
        </Space>
      </Card>
      {list.isError ? (
        <ErrorResult error={list.error} onRetry={() => list.refetch()} />
      ) : phone ? (
        <List
          loading={list.isPending}
          dataSource={list.data?.items ?? []}
          pagination={{
            current: filter.page ?? 1,
            pageSize: filter.page_size ?? 20,
            total: list.data?.total ?? 0,
            size: 'small',
            onChange: (page) => setFilter((f) => ({ ...f, page })),
          }}
          renderItem={(a) => (
            <List.Item data-testid="applications-row">
              <List.Item.Meta
                title={
                  <Space wrap size={4}>
                    <Link to={`/customers/${a.customer_id}`}>{a.customer_name}</Link>
                    <Tag color={STATUS_COLORS[a.status]}>{statusLabel(a.status)}</Tag>
                  </Space>
                }
                description={
                  <>
                    <div>{a.institution}</div>
                    <ApplicationSummary a={a} />
                  </>
                }
              />
            </List.Item>
          )}
        />
      ) : (
        <Table<Application>
          rowKey="id"
          size="small"
          loading={list.isPending}
          dataSource={list.data?.items ?? []}
          columns={columns}
          onRow={() => ({ 'data-testid': 'applications-row' }) as React.HTMLAttributes<HTMLElement>}
          pagination={{
            current: filter.page ?? 1,
            pageSize: filter.page_size ?? 20,
            total: list.data?.total ?? 0,
            showTotal: (t) => `共 ${t} 条`,
            onChange: (page, page_size) => setFilter((f) => ({ ...f, page, page_size })),
          }}
        />
      )}
    </>
  )
}
