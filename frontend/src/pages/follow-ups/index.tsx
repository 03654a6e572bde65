import { useState } from 'react'
import { Card, Segmented, Select, Space } from 'antd'
import { useMe } from '../../auth/useAuth'
import { PageHeader } from '../../components/PageHeader'
import { useUsers } from '../../hooks/useUsers'
import { DueList } from './DueList'
import { useDueCounts, type DueWindow } from './hooks'

/** 待跟进: one's due follow-ups by window; admins may look at anyone's. */
export default function FollowUpsPage() {
  const me = useMe()
  const users = useUsers()
  const [when, setWhen] = useState<DueWindow>('today')
  const [assignee, setAssignee] = useState<number | undefined>(undefined)
  const counts = useDueCounts(assignee)
  const c = counts.data
  return (
    <>
      <PageHeader title="待跟进" />
      <Card>
        <Space wrap style={{ marginBottom: 12 }}>
          <Segmented<DueWindow>
            value={when}
            onChange={setWhen}
            options={[
              { value: 'overdue', label: `已逾期${c ? ` ${c.overdue}` : ''}` },
              { value: 'today', label: `今日${c ? ` ${c.today}` : ''}` },
              { value: 'week', label: `7 天内${c ? ` ${c.week}` : ''}` },
            ]}
          />
          {me.data?.role === 'admin' && (
            <Select
              allowClear
              placeholder="我的"
              style={{ minWidth: 140 }}
              value={assignee}
              onChange={setAssignee}
              options={(users.data ?? []).map((u) => ({ value: u.id, label: u.display_name }))}
            />
          )}
        </Space>
        <DueList when={when} assignee={assignee} empty={when === 'overdue' ? '没有逾期的跟进' : '没有待跟进的客户'} />
      </Card>
    </>
  )
}
