import { useState } from 'react'
import { useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Card, Col, Progress, Result, Row, Space, Statistic, Steps, Table, Typography, Upload } from 'antd'
import { DownloadOutlined, InboxOutlined } from '@ant-design/icons'
import { downloadFile, uploadWithProgress } from '../../api/client'
import { errorMessage } from '../../api/errors'
import type { ImportResult } from '../../api/types'
import { PageHeader } from '../../components/PageHeader'
import { customerKeys } from '../customers/hooks'
import { useRights } from '../../auth/useAuth'

type ImportErrorRow = ImportResult['errors'][number]
const PATH = '/api/imports/customers'

export default function ImportsPage() {
  const rights = useRights()
  const { message } = App.useApp()
  const qc = useQueryClient()
  const [file, setFile] = useState<File | null>(null)
  const [check, setCheck] = useState<ImportResult | null>(null)
  const [done, setDone] = useState<ImportResult | null>(null)
  const [progress, setProgress] = useState<number | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const step = done ? 3 : check ? 1 : 0

  async function dryRun(f: File) {
    setFile(f)
    setCheck(null)
    setDone(null)
    setError(null)
    setBusy(true)
    setProgress(0)
    try {
      setCheck(await uploadWithProgress<ImportResult>(`${PATH}?dry_run=true`, f, setProgress, [422]))
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
      setProgress(null)
    }
  }

  async function commit() {
    if (!file) return
    setBusy(true)
    setError(null)
    setProgress(0)
    try {
      const r = await uploadWithProgress<ImportResult>(`${PATH}?dry_run=false`, file, setProgress, [422])
      if (r.committed) {
        setDone(r)
        qc.invalidateQueries({ queryKey: customerKeys.all })
      } else {
        setCheck(r) // the file changed under us: nothing was written, show the problems
      }
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
      setProgress(null)
    }
  }

  function reset() {
    setFile(null)
    setCheck(null)
    setDone(null)
    setError(null)
  }

  async function download(path: string, name: string) {
    try {
      await downloadFile(path, name)
    } catch (e) {
      message.error(errorMessage(e))
    }
  }

  return (
    <>
      <PageHeader
        title="导入导出"
        extra={
          <>
            <Button icon={<DownloadOutlined />} onClick={() => download(`${PATH}/template?format=xlsx`, '客户导入模板.xlsx')}>
              下载模板（Excel）
            </Button>
            <Button onClick={() => download(`${PATH}/template?format=csv`, '客户导入模板.csv')}>下载模板（CSV）</Button>
          </>
        }
      />
      <Card size="small" title="导入客户" style={{ marginBottom: 16 }}>
        <Steps
          current={step === 3 ? 3 : step === 1 ? (check && check.invalid === 0 ? 2 : 1) : 0}
          size="small"
          style={{ marginBottom: 16 }}
          items={[{ title: '上传文件' }, { title: '检查数据' }, { title: '确认导入' }, { title: '完成' }]}
        />
        {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} role="alert" />}
        {progress != null && <Progress percent={progress} status="active" style={{ marginBottom: 16 }} />}

        {!check && !done && (
          <Upload.Dragger
            accept=".xlsx,.csv"
            multiple={false}
            showUploadList={false}
            disabled={busy}
            beforeUpload={(f) => {
              void dryRun(f)
              return false
            }}
          >
            <p className="ant-upload-drag-icon">
              <InboxOutlined />
            </p>
            <p className="ant-upload-text">点击或拖入 .xlsx / .csv 文件</p>
            <p className="ant-upload-hint">先检查、不写入；表头用中文字段名（见模板）。按统一社会信用代码新增或更新。</p>
          </Upload.Dragger>
        )}

        {check && !done && (
          <Space direction="vertical" style={{ width: '100%' }}>
            <Typography.Text>文件：{file?.name}</Typography.Text>
            <Row gutter={16}>
              <Col xs={8}>
                <Statistic title="总行数" value={check.total} />
              </Col>
              <Col xs={8}>
                <Statistic title="有效" value={check.valid} valueStyle={{ color: '#3f8600' }} />
              </Col>
              <Col xs={8}>
                <Statistic title="有问题" value={check.invalid} valueStyle={{ color: check.invalid ? '#cf1322' : undefined }} />
              </Col>
            </Row>
            {check.ignored_columns.length > 0 && (
              <Alert type="info" showIcon message={`以下列不认识，已忽略：${check.ignored_columns.join('、')}`} />
            )}
            {check.matched_by_name.length > 0 && (
              <Alert
                type="info"
                showIcon
                message={`第 ${check.matched_by_name.join('、')} 行没有统一社会信用代码，按企业名称匹配到已有客户，将更新该客户`}
              />
            )}
            {check.errors.length > 0 ? (
              <>
                <Alert
                  type="warning"
                  showIcon
                  message={`发现 ${check.errors.length + (check.errors_omitted ?? 0)} 处问题${check.errors_omitted ? `（下表列出前 ${check.errors.length} 处）` : ''}，请在文件中改正后重新上传（导入是整体的：有错误时不会写入任何数据）`}
                />
                <Table<ImportErrorRow>
                  size="small"
                  rowKey={(e) => `${e.row}-${e.column}-${e.message}`}
                  dataSource={check.errors}
                  pagination={{ pageSize: 20, hideOnSinglePage: true }}
                  data-testid="import-errors"
                  columns={[
                    { title: '行', dataIndex: 'row', width: 70 },
                    { title: '列', dataIndex: 'column', width: 160 },
                    { title: '问题', dataIndex: 'message' },
                  ]}
                />
              </>
            ) : (
              <Alert
                type="success"
                showIcon
                message="检查通过，可以导入"
                description={`将新增 ${check.inserted} 家、更新 ${check.updated} 家客户`}
              />
            )}
            <Space wrap>
              <Upload
                accept=".xlsx,.csv"
                showUploadList={false}
                beforeUpload={(f) => {
                  void dryRun(f)
                  return false
                }}
              >
                <Button disabled={busy}>重新上传</Button>
              </Upload>
              <Button type="primary" disabled={check.invalid > 0 || check.valid === 0} loading={busy} onClick={commit}>
                确认导入 {check.valid} 行
              </Button>
              <Button onClick={reset}>取消</Button>
            </Space>
          </Space>
        )}

        {done && (
          <Result
            status="success"
            title="导入完成"
            subTitle={`共 ${done.total} 行：新增 ${done.inserted} 家，更新 ${done.updated} 家`}
            extra={<Button onClick={reset}>再导入一个文件</Button>}
          />
        )}
      </Card>
      {rights.canExport && (
      <Card size="small" title="导出客户">
        <Space wrap>
          <Button icon={<DownloadOutlined />} onClick={() => download('/api/exports/customers?format=xlsx', '客户导出.xlsx')}>
            导出全部（Excel）
          </Button>
          <Button onClick={() => download('/api/exports/customers?format=csv', '客户导出.csv')}>导出全部（CSV）</Button>
          <Typography.Text type="secondary">按条件导出请在“客户”列表中筛选后点“导出”。导出文件可直接改后再导入。</Typography.Text>
        </Space>
      </Card>
      )}
    </>
  )
}
