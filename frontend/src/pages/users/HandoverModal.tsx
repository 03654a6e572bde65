import { useState } from 'react'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Form, Modal, Select, Typography } from 'antd'
import { api } from '../../api/client'
import { errorMessage, unwrap } from '../../api/errors'
import type { User } from '../../api/types'
import { usersQueryKey } from '../../hooks/useUsers'

/**
 * 离职交接: moves a user's customers (their plans and applications follow them) and open
 * follow-ups to a colleague. Rendered with a `key` per user, so each opening starts empty. With `thenDisable` the account is disabled right after — the
 * prompt a broker sees when disabling someone who still owns customers.
 */
export function HandoverModal({
  from,
  users,
  thenDisable,
  onClose,
}: {
  from: User | null
  users: User[]
  thenDisable: boolean
  onClose: () => void
}) {
  const { message } = App.useApp()
  const qc = useQueryClient()
  const [to, setTo] = useState<number | undefined>()
  const [error, setError] = useState<string | null>(null)
  const run = useMutation({
    mutationFn: async ({ fromId, toId, disable }: { fromId: number; toId?: number; disable: boolean }) => {
      const moved =
        toId == null
          ? null
          : await unwrap(
              api.POST('/api/users/{id}/handover', { params: { path: { id: fromId } }, body: { to_user_id: toId } }),
            )
      if (disable) {
        await unwrap(api.PATCH('/api/users/{id}', { params: { path: { id: fromId } }, body: { disabled: true } }))
      }
      return moved
    },
    onSuccess: (moved) => {
      qc.invalidateQueries({ queryKey: usersQueryKey })
      if (moved) {
        message.success(
          `已交接：客户 ${moved.customers} 个、待办跟进 ${moved.follow_ups} 条（含改造方案 ${moved.plans} 个、进件 ${moved.applications} 笔）${thenDisable ? '，账号已停用' : ''}`,
        )
      } else {
        message.success('账号已停用')
      }
      onClose()
    },
    onError: (e) => setError(errorMessage(e)),
  })
  const candidates = users.filter((u) => from && u.id !== from.id && !u.disabled)
  const name = from ? from.display_name || from.username : ''
  return (
    <Modal
      open={from != null}
      title={thenDisable ? `停用 ${name} 前交接客户` : `离职交接：${name}`}
      okText={thenDisable ? '交接并停用' : '交接'}
      cancelText="取消"
      okButtonProps={{ disabled: to == null, loading: run.isPending, 'data-testid': 'handover-ok' } as never}
      onOk={() => from && run.mutate({ fromId: from.id, toId: to, disable: thenDisable })}
      onCancel={onClose}
      footer={(_, { OkBtn, CancelBtn }) => (
        <>
          {thenDisable && (
            <Typography.Link
              style={{ marginRight: 16 }}
              onClick={() => from && run.mutate({ fromId: from.id, disable: true })}
            >
              不交接，仅停用
            </Typography.Link>
          )}
          <CancelBtn />
          <OkBtn />
        </>
      )}
    >
      <Typography.Paragraph>
        {name} 名下有 <b>{from?.owned_customers ?? 0}</b> 个客户。交接后，这些客户（包括回收站中的）的负责人改为接手人，
        其改造方案和进件随客户一起转交，{name} 未完成的跟进也分配给接手人；操作记入审计日志。
      </Typography.Paragraph>
      <Form layout="vertical">
        <Form.Item label="接手人" required>
          <Select
            data-testid="handover-to"
            placeholder="选择接手的同事"
            value={to}
            onChange={setTo}
            options={candidates.map((u) => ({ value: u.id, label: `${u.display_name}（${u.username}）` }))}
          />
        </Form.Item>
      </Form>
      {error && <Alert type="error" showIcon message={error} />}
    </Modal>
  )
}
