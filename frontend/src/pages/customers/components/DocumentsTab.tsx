import { useState } from 'react'
import { Alert, App, Button, Card, Grid, Input, List, Modal, Popconfirm, Select, Space, Table, Tag, Typography, Upload } from 'antd'
import { DeleteOutlined, DownloadOutlined, EyeOutlined, UploadOutlined } from '@ant-design/icons'
import { downloadFile } from '../../../api/client'
import { ApiError, errorMessage } from '../../../api/errors'
import { useMe } from '../../../auth/useAuth'
import { ErrorResult } from '../../../components/ErrorResult'
import {
  ACCEPT,
  DOCUMENT_KIND_OPTIONS,
  type CustomerDocument,
  type DocumentKind,
  documentObjectUrl,
  kindLabel,
  missingText,
  sizeText,
  useDeleteDocument,
  useDocuments,
  useMissingDocuments,
  useUploadDocument,
} from './documentsApi'

const PREVIEWABLE = ['application/pdf', 'image/png', 'image/jpeg', 'image/webp']

function Checklist({ customerId, latestDiagnosisId }: { customerId: number; latestDiagnosisId?: number | null }) {
  const m = useMissingDocuments(customerId, latestDiagnosisId)
  if (!m.data) return null
  if (m.data.diagnosis_id == null)
    return <Alert type="info" showIcon message="运行诊断后，这里会列出可申请产品还缺的资料" />
  if (m.data.products.length === 0)
    return <Alert type="info" showIcon message="最新诊断没有可申请的产品，暂无资料要求" />
  if (m.data.kinds.length === 0)
    return <Alert type="success" showIcon message={`资料已齐：${m.data.products.map((p) => p.name).join('、')}所需资料均已上传`} />
  return <Alert type="warning" showIcon data-testid="documents-missing" message={`还缺：${missingText(m.data)}`} />
}

/** 客户资料: upload, list, preview, download, delete; the missing documents on top. */
export function DocumentsTab({ customerId, latestDiagnosisId }: { customerId: number; latestDiagnosisId?: number | null }) {
  const docs = useDocuments(customerId)
  const upload = useUploadDocument(customerId)
  const del = useDeleteDocument(customerId)
  const me = useMe()
  const { message } = App.useApp()
  const phone = !Grid.useBreakpoint().md
  const [kind, setKind] = useState<DocumentKind>('business_license')
  const [note, setNote] = useState('')
  const [preview, setPreview] = useState<{ url: string; name: string } | null>(null)

  if (docs.isError) {
    const deleted = docs.error instanceof ApiError && docs.error.code === 'deleted'
    if (deleted) return <Alert type="info" showIcon message={errorMessage(docs.error)} />
    return <ErrorResult error={docs.error} onRetry={() => docs.refetch()} />
  }

  const mayDelete = (d: CustomerDocument) => me.data?.role === 'admin' || (me.data != null && d.uploaded_by === me.data.id)

  const open = async (d: CustomerDocument) => {
    // A tab opened now, inside the click, is not a blocked pop-up; it gets the PDF when fetched.
    const tab = d.content_type === 'application/pdf' ? window.open('', '_blank') : null
    try {
      const url = await documentObjectUrl(d.id)
      if (tab) tab.location.href = url
      else setPreview({ url, name: d.file_name })
    } catch (e) {
      tab?.close()
      message.error(errorMessage(e))
    }
  }
  const closePreview = () => {
    if (preview) URL.revokeObjectURL(preview.url)
    setPreview(null)
  }
  const download = (d: CustomerDocument) =>
    downloadFile(`/api/documents/${d.id}/content`, d.file_name).catch((e) => message.error(errorMessage(e)))
  const remove = (d: CustomerDocument) =>
    del.mutate(d.id, {
      onSuccess: () => message.success('资料已删除'),
      onError: (e) => message.error(errorMessage(e)),
    })

  const actions = (d: CustomerDocument) => [
    PREVIEWABLE.includes(d.content_type) && (
      <Button key="preview" size="small" type="link" icon={<EyeOutlined />} onClick={() => open(d)}>
        预览
      </Button>
    ),
    <Button key="download" size="small" type="link" icon={<DownloadOutlined />} onClick={() => download(d)}>
      下载
    </Button>,
    mayDelete(d) && (
      <Popconfirm key="delete" title={`删除资料「${d.file_name}」？`} description="文件将被永久删除" okText="删除" okButtonProps={{ danger: true }} onConfirm={() => remove(d)}>
        <Button size="small" type="link" danger icon={<DeleteOutlined />}>
          删除
        </Button>
      </Popconfirm>
    ),
  ].filter(Boolean)

  const when = (t: string) => t.replace('T', ' ').slice(0, 16)

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Checklist customerId={customerId} latestDiagnosisId={latestDiagnosisId} />
      <div className="toolbar">
        <Select<DocumentKind> aria-label="资料类型" value={kind} onChange={setKind} options={DOCUMENT_KIND_OPTIONS} style={{ minWidth: 160 }} />
        <Input aria-label="备注" placeholder="备注（可选）" value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} style={{ maxWidth: 280 }} />
        <Upload
          accept={ACCEPT}
          showUploadList={false}
          customRequest={({ file, onSuccess, onError }) =>
            upload.mutate(
              { file: file as File, kind, note },
              {
                onSuccess: (d) => {
                  message.success(`已上传：${kindLabel(d.kind)} ${d.file_name}`)
                  setNote('')
                  onSuccess?.(d)
                },
                onError: (e) => {
                  message.error(errorMessage(e))
                  onError?.(e as Error)
                },
              },
            )
          }
        >
          <Button type="primary" icon={<UploadOutlined />} loading={upload.isPending}>
            上传资料
          </Button>
        </Upload>
      </div>
      <Typography.Text type="secondary">支持 PDF、JPEG、PNG、WebP 图片和 Excel（.xlsx），按文件内容识别类型。</Typography.Text>
      {phone ? (
        <List<CustomerDocument>
          loading={docs.isPending}
          dataSource={docs.data ?? []}
          locale={{ emptyText: '还没有资料' }}
          renderItem={(d) => (
            <Card size="small" style={{ marginBottom: 8 }} data-testid="document-card">
              <Space direction="vertical" size={2} style={{ width: '100%' }}>
                <Space wrap>
                  <Tag color="blue">{kindLabel(d.kind)}</Tag>
                  <Typography.Text strong style={{ wordBreak: 'break-all' }}>{d.file_name}</Typography.Text>
                </Space>
                <Typography.Text type="secondary">
                  {sizeText(d.size_bytes)} · {when(d.uploaded_at)} · {d.uploaded_by_name ?? '—'}
                </Typography.Text>
                {d.note && <Typography.Text>{d.note}</Typography.Text>}
                <Space wrap size={0}>{actions(d)}</Space>
              </Space>
            </Card>
          )}
        />
      ) : (
        <Table<CustomerDocument>
          rowKey="id"
          size="small"
          loading={docs.isPending}
          dataSource={docs.data ?? []}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          locale={{ emptyText: '还没有资料' }}
          columns={[
            { title: '类型', dataIndex: 'kind', render: (k: string) => <Tag color="blue">{kindLabel(k)}</Tag> },
            { title: '文件名', dataIndex: 'file_name', ellipsis: true },
            { title: '大小', dataIndex: 'size_bytes', align: 'right', render: (b: number) => sizeText(b) },
            { title: '上传时间', dataIndex: 'uploaded_at', render: when },
            { title: '上传人', dataIndex: 'uploaded_by_name', render: (n?: string | null) => n ?? '—' },
            { title: '备注', dataIndex: 'note', ellipsis: true, render: (n?: string | null) => n ?? '' },
            { title: '操作', key: 'actions', render: (_, d) => <Space size={0}>{actions(d)}</Space> },
          ]}
        />
      )}
      <Modal open={preview != null} title={preview?.name} footer={null} onCancel={closePreview} width={phone ? '100%' : 800}>
        {preview && <img src={preview.url} alt={preview.name} style={{ maxWidth: '100%', display: 'block', margin: '0 auto' }} />}
      </Modal>
    </Space>
  )
}
