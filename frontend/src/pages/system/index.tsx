import { useQuery } from '@tanstack/react-query'
import { Card, Col, Descriptions, Progress, Row, Statistic } from 'antd'
import { api } from '../../api/client'
import { unwrap } from '../../api/errors'
import { ErrorResult } from '../../components/ErrorResult'
import { PageHeader } from '../../components/PageHeader'
import { PageSpin } from '../../components/PageSpin'

export function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`
}

export function duration(s: number): string {
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  if (s < 60) return `${Math.floor(s)} 秒`
  return [d && `${d} 天`, h && `${h} 小时`, `${m} 分钟`].filter(Boolean).join(' ')
}

export default function SystemPage() {
  const m = useQuery({
    queryKey: ['metrics'],
    queryFn: () => unwrap(api.GET('/api/system/metrics')),
    refetchInterval: 10_000,
  })
  if (m.isPending) return <PageSpin />
  if (m.isError) return <ErrorResult error={m.error} onRetry={() => m.refetch()} />
  const x = m.data
  const memPct = x.memory_total_bytes ? Math.round((x.memory_used_bytes / x.memory_total_bytes) * 100) : 0
  return (
    <>
      <PageHeader title="系统状态" sub={`版本 ${x.version} · 每 10 秒刷新`} />
      <Row gutter={[16, 16]}>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic title="运行时间" value={duration(x.uptime_seconds)} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic title="本服务内存" value={bytes(x.process_rss_bytes)} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic title="数据库大小" value={bytes(x.database_bytes)} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic title="客户数" value={x.rows.customers} />
          </Card>
        </Col>
        <Col xs={24} md={8}>
          <Card size="small" title="CPU">
            <Progress type="dashboard" percent={Math.round(x.cpu_usage_pct)} />
          </Card>
        </Col>
        <Col xs={24} md={8}>
          <Card size="small" title="内存">
            <Progress type="dashboard" percent={memPct} />
            <div>
              {bytes(x.memory_used_bytes)} / {bytes(x.memory_total_bytes)}
            </div>
          </Card>
        </Col>
        <Col xs={24} md={8}>
          <Card size="small" title="磁盘">
            <Progress type="dashboard" percent={Math.round(x.disk_used_pct)} status={x.disk_used_pct > 90 ? 'exception' : undefined} />
            <div>
              可用 {bytes(x.disk_available_bytes)} / 共 {bytes(x.disk_total_bytes)}
            </div>
          </Card>
        </Col>
        <Col xs={24}>
          <Card size="small" title="数据行数">
            <Descriptions size="small" column={{ xs: 1, sm: 3 }}>
              {Object.entries(x.rows).map(([k, v]) => (
                <Descriptions.Item key={k} label={{ customers: '客户', users: '用户', audit_logs: '审计日志' }[k] ?? k}>
                  {String(v)}
                </Descriptions.Item>
              ))}
            </Descriptions>
          </Card>
        </Col>
      </Row>
    </>
  )
}
