import { App, Button, Empty, List, Space, Tag, Typography } from 'antd'
import { Link } from 'react-router'
import { errorMessage } from '../../api/errors'
import { ErrorResult } from '../../components/ErrorResult'
import { PageSpin } from '../../components/PageSpin'
import { FOLLOW_UP_CHANNEL_OPTIONS, labelOf } from '../../domain/labels'
import { dateTimeText } from '../../domain/time'
import { useDueFollowUps, useUpdateFollowUp, type DueWindow, type FollowUp } from './hooks'

/** Due follow-ups with a "done" button; `hideOverdue` leaves out those the 已逾期 block shows. */
export function DueList({
  when,
  assignee,
  hideOverdue = false,
  limit,
  empty,
}: {
  when: DueWindow
  assignee?: number
  hideOverdue?: boolean
  limit?: number
  empty: string
}) {
  const due = useDueFollowUps(when, assignee)
  const update = useUpdateFollowUp()
  const { message } = App.useApp()
  if (due.isPending) return <PageSpin />
  if (due.isError) return <ErrorResult error={due.error} onRetry={() => due.refetch()} />
  const items = due.data.items.filter((f) => !(hideOverdue && f.overdue))
  if (items.length === 0) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={empty} />
  const shown = limit ? items.slice(0, limit) : items

  const done = async (f: FollowUp) => {
    try {
      await update.mutateAsync({ id: f.id, body: { done: true } })
      message.success(`已完成：${f.customer_name}`)
    } catch (e) {
      message.error(errorMessage(e))
    }
  }

  return (
    <List
      data-testid={`due-${when}${hideOverdue ? '-upcoming' : ''}`}
      dataSource={shown}
      footer={
        limit && items.length > limit ? (
          <Link to="/follow-ups">还有 {items.length - limit} 条，查看全部</Link>
        ) : undefined
      }
      renderItem={(f) => (
        <List.Item
          actions={[
            <Button key="done" size="small" onClick={() => done(f)} loading={update.isPending}>
              完成
            </Button>,
          ]}
        >
          <List.Item.Meta
            title={
              <Space size={4} wrap>
                <Link to={`/customers/${f.customer_id}?tab=follow-ups`}>{f.customer_name}</Link>
                {f.overdue && <Tag color="red">逾期</Tag>}
                <Typography.Text type={f.overdue ? 'danger' : 'secondary'}>{dateTimeText(f.next_contact_at)}</Typography.Text>
                {f.assignee_name && assignee != null && <Tag>{f.assignee_name}</Tag>}
              </Space>
            }
            description={
              <Typography.Paragraph ellipsis={{ rows: 2 }} style={{ margin: 0 }}>
                上次{labelOf(FOLLOW_UP_CHANNEL_OPTIONS, f.channel)}：{f.content}
              </Typography.Paragraph>
            }
          />
        </List.Item>
      )}
    />
  )
}
