import { useState } from 'react'
import { App, Button, DatePicker, Modal, Space, Typography } from 'antd'
import dayjs, { type Dayjs } from 'dayjs'
import { errorMessage } from '../../api/errors'
import { useUpdateFollowUp, type FollowUp } from './hooks'

/** Quick picks at 10:00 on the day: a broker plans days, not minutes. */
const QUICK: { label: string; days: number }[] = [
  { label: '明天', days: 1 },
  { label: '3 天后', days: 3 },
  { label: '一周后', days: 7 },
  { label: '两周后', days: 14 },
]

/** After a follow-up is saved: when to contact the client next (or nothing planned). */
export function NextContactModal({ followUp, onClose }: { followUp: FollowUp | null; onClose: () => void }) {
  const update = useUpdateFollowUp(followUp?.customer_id)
  const { message } = App.useApp()
  const [when, setWhen] = useState<Dayjs | null>(null)

  const save = async (at: Dayjs) => {
    if (!followUp) return
    try {
      await update.mutateAsync({ id: followUp.id, body: { next_contact_at: at.toISOString() } })
      message.success(`已安排 ${at.format('M月D日 HH:mm')} 再次联系`)
      setWhen(null)
      onClose()
    } catch (e) {
      message.error(errorMessage(e))
    }
  }

  return (
    <Modal
      open={followUp != null}
      title="下次什么时候联系客户？"
      onCancel={onClose}
      footer={[
        <Button key="none" onClick={onClose}>
          暂不安排
        </Button>,
        <Button key="ok" type="primary" disabled={!when} loading={update.isPending} onClick={() => when && save(when)}>
          保存
        </Button>,
      ]}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary">
        到时会出现在工作台的“今日待跟进”，过期未完成会一直留在“已逾期”，直到标记完成。
      </Typography.Paragraph>
      <Space wrap style={{ marginBottom: 12 }}>
        {QUICK.map((q) => (
          <Button
            key={q.days}
            data-testid={`next-contact-${q.days}`}
            onClick={() => save(dayjs().add(q.days, 'day').hour(10).minute(0).second(0).millisecond(0))}
            loading={update.isPending}
          >
            {q.label}
          </Button>
        ))}
      </Space>
      <DatePicker
        showTime={{ format: 'HH:mm', minuteStep: 5 }}
        format="YYYY-MM-DD HH:mm"
        placeholder="或选择日期和时间"
        value={when}
        onChange={setWhen}
        disabledDate={(d) => d.isBefore(dayjs().startOf('day'))}
        style={{ width: '100%' }}
      />
    </Modal>
  )
}
