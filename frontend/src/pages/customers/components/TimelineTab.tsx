import { useQuery } from '@tanstack/react-query'
import { Empty, Tag, Timeline, Typography } from 'antd'
import { Link } from 'react-router'
import { api } from '../../../api/client'
import { unwrap } from '../../../api/errors'
import { ErrorResult } from '../../../components/ErrorResult'
import { PageSpin } from '../../../components/PageSpin'
import { TIMELINE_KIND_OPTIONS, labelOf } from '../../../domain/labels'
import { dateTimeText } from '../../../domain/time'
import { customerKeys } from '../hooks'

const COLORS: Record<string, string> = {
  customer: 'gray',
  diagnosis: 'blue',
  plan: 'purple',
  follow_up: 'green',
  application: 'orange',
  document: 'cyan',
  agreement: 'gold',
  share: 'magenta',
  consent: 'lime',
}

/** Where an entry leads, when it names a record with its own page. */
function linkOf(kind: string, id?: number): string | undefined {
  if (id == null) return undefined
  if (kind === 'diagnosis' || kind === 'share') return `/diagnoses/${id}`
  if (kind === 'plan') return `/plans/${id}`
  return undefined
}

/** 动态: everything that happened to the customer, newest first. */
export function TimelineTab({ customerId }: { customerId: number }) {
  const q = useQuery({
    queryKey: customerKeys.timeline(customerId),
    queryFn: () =>
      unwrap(api.GET('/api/customers/{id}/timeline', { params: { path: { id: customerId }, query: { limit: 100 } } })),
  })
  if (q.isPending) return <PageSpin />
  if (q.isError) return <ErrorResult error={q.error} onRetry={() => q.refetch()} />
  if (q.data.items.length === 0) return <Empty description="暂无动态" />
  return (
    <Timeline
      data-testid="customer-timeline"
      items={q.data.items.map((e, i) => {
        const to = linkOf(e.kind, e.ref_id ?? undefined)
        return {
          key: i,
          color: COLORS[e.kind] ?? 'gray',
          children: (
            <div>
              <Typography.Text type="secondary" style={{ marginRight: 8 }}>
                {dateTimeText(e.at)}
              </Typography.Text>
              <Tag color={COLORS[e.kind]}>{labelOf(TIMELINE_KIND_OPTIONS, e.kind)}</Tag>
              {to ? <Link to={to}>{e.title}</Link> : <span>{e.title}</span>}
              {e.by && <Typography.Text type="secondary">（{e.by}）</Typography.Text>}
              {e.detail && (
                <Typography.Paragraph type="secondary" style={{ margin: '2px 0 0' }} ellipsis={{ rows: 2 }}>
                  {e.detail}
                </Typography.Paragraph>
              )}
            </div>
          ),
        }
      })}
    />
  )
}
