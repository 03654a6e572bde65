import { useState } from 'react'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { App, Button, Checkbox, Form, Input, Popconfirm, Select, Switch, Table, Tag, Typography } from 'antd'
import { PlusOutlined } from '@ant-design/icons'
import { api } from '../../api/client'
import { unwrap } from '../../api/errors'
import type { User, UserCreate, UserPatch } from '../../api/types'
import { ErrorResult } from '../../components/ErrorResult'
import { FormModal } from '../../components/FormModal'
import { PageHeader } from '../../components/PageHeader'
import { DATA_SCOPE_OPTIONS, ROLE_OPTIONS, labelOf } from '../../domain/labels'
import { HandoverModal } from './HandoverModal'
import { usersQueryKey, useUsers } from '../../hooks/useUsers'
import { useMe } from '../../auth/useAuth'

export default function UsersPage() {
  const users = useUsers()
  const me = useMe()
  const qc = useQueryClient()
  const { message } = App.useApp()
  const [creating, setCreating] = useState(false)
  const [editing, setEditing] = useState<User | null>(null)
  const [handover, setHandover] = useState<{ user: User; thenDisable: boolean } | null>(null)
  const invalidate = () => qc.invalidateQueries({ queryKey: usersQueryKey })
  const create = useMutation({ mutationFn: (body: UserCreate) => unwrap(api.POST('/api/users', { body })), onSuccess: invalidate })
  const patch = useMutation({
    mutationFn: ({ id, body }: { id: number; body: UserPatch }) =>
      unwrap(api.PATCH('/api/users/{id}', { params: { path: { id } }, body })),
    onSuccess: invalidate,
  })
  const endSessions = useMutation({
    mutationFn: (id: number) => unwrap(api.POST('/api/users/{id}/sessions/revoke', { params: { path: { id } } })),
    onSuccess: () => message.success('已结束该用户的全部登录会话'),
    onError: (e: Error) => message.error(e.message),
  })

  return (
    <>
      <PageHeader
        title="用户管理"
        extra={
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
            新增用户
          </Button>
        }
      />
      {users.isError && <ErrorResult error={users.error} onRetry={() => users.refetch()} />}
      <Table<User>
        rowKey="id"
        loading={users.isPending}
        dataSource={users.data ?? []}
        scroll={{ x: 640 }}
        pagination={false}
        columns={[
          { title: '用户名', dataIndex: 'username' },
          { title: '姓名', dataIndex: 'display_name' },
          { title: '角色', dataIndex: 'role', render: (r: string) => <Tag color={r === 'admin' ? 'purple' : 'blue'}>{labelOf(ROLE_OPTIONS, r)}</Tag> },
          {
            title: '数据范围',
            key: 'rights',
            render: (_, u) =>
              u.role === 'admin' ? (
                <Tag>全部客户</Tag>
              ) : (
                <>
                  <Tag color={u.data_scope === 'all' ? 'gold' : undefined}>{labelOf(DATA_SCOPE_OPTIONS, u.data_scope)}</Tag>
                  {u.can_export && <Tag>可导出</Tag>}
                  {u.can_delete && <Tag>可删除</Tag>}
                </>
              ),
          },
          { title: '名下客户', dataIndex: 'owned_customers', align: 'right' },
          {
            title: '状态',
            key: 'state',
            render: (_, u) => (
              <>
                {u.disabled ? <Tag>已停用</Tag> : <Tag color="green">正常</Tag>}
                {u.locked && <Tag color="red">已锁定</Tag>}
                {u.must_change_password && <Tag color="orange">待改密码</Tag>}
              </>
            ),
          },
          {
            title: '操作',
            key: 'op',
            render: (_, u) => (
              <>
                <Button type="link" size="small" onClick={() => setEditing(u)}>
                  编辑
                </Button>
                {u.owned_customers > 0 && (
                  <Button type="link" size="small" data-testid={`handover-${u.username}`} onClick={() => setHandover({ user: u, thenDisable: false })}>
                    交接
                  </Button>
                )}
                {u.id !== me.data?.id && (
                  <Popconfirm
                    title="结束全部会话"
                    description={`${u.display_name || u.username} 的所有设备都需要重新登录`}
                    okText="结束"
                    cancelText="取消"
                    onConfirm={() => endSessions.mutate(u.id)}
                  >
                    <Button type="link" size="small" danger>
                      结束全部会话
                    </Button>
                  </Popconfirm>
                )}
              </>
            ),
          },
        ]}
      />
      <FormModal<UserCreate>
        open={creating}
        title="新增用户"
        initial={{ role: 'staff', data_scope: 'own', can_export: false, can_delete: false }}
        onCancel={() => setCreating(false)}
        onSubmit={async (v) => {
          await create.mutateAsync(v)
          message.success('用户已创建，首次登录需修改密码')
          setCreating(false)
        }}
      >
        {() => (
          <>
            <Form.Item name="username" label="用户名" rules={[{ required: true, message: '请输入用户名' }]}>
              <Input maxLength={50} autoComplete="off" />
            </Form.Item>
            <Form.Item name="display_name" label="姓名" rules={[{ required: true, message: '请输入姓名' }]}>
              <Input maxLength={50} />
            </Form.Item>
            <Form.Item name="role" label="角色" rules={[{ required: true }]}>
              <Select options={ROLE_OPTIONS} />
            </Form.Item>
            <Form.Item name="password" label="初始密码" rules={[{ required: true, message: '请输入初始密码' }]} extra="用户首次登录时须修改">
              <Input.Password autoComplete="new-password" />
            </Form.Item>
            <RightsFields />
          </>
        )}
      </FormModal>
      <FormModal<UserPatch>
        open={editing != null}
        title={`编辑用户：${editing?.username ?? ''}`}
        initial={editing ?? undefined}
        onCancel={() => setEditing(null)}
        onSubmit={async (v) => {
          const body = { ...v } as Record<string, unknown>
          if (!body.password) delete body.password
          if (v.disabled && !editing!.disabled && editing!.owned_customers > 0) {
            // Someone leaving still owns customers: offer the handover before the account goes.
            delete body.disabled
            await patch.mutateAsync({ id: editing!.id, body: body as UserPatch })
            setHandover({ user: editing!, thenDisable: true })
            setEditing(null)
            return
          }
          await patch.mutateAsync({ id: editing!.id, body: body as UserPatch })
          message.success('已保存')
          setEditing(null)
        }}
      >
        {() => (
          <>
            <Form.Item name="display_name" label="姓名" rules={[{ required: true, message: '请输入姓名' }]}>
              <Input maxLength={50} />
            </Form.Item>
            <Form.Item name="role" label="角色">
              <Select options={ROLE_OPTIONS} disabled={editing?.id === me.data?.id} />
            </Form.Item>
            {editing?.id !== me.data?.id && <RightsFields />}
            <Form.Item name="disabled" label="停用账号" valuePropName="checked" extra="停用后该用户的登录立即失效；名下还有客户时会先提示交接">
              <Switch disabled={editing?.id === me.data?.id} />
            </Form.Item>
            {editing?.locked && (
              <Form.Item name="unlock" valuePropName="checked">
                <Checkbox>解除登录锁定</Checkbox>
              </Form.Item>
            )}
            <Form.Item name="password" label="重置密码" extra="留空则不修改；重置后用户下次登录须修改">
              <Input.Password autoComplete="new-password" />
            </Form.Item>
          </>
        )}
      </FormModal>
      <HandoverModal
        key={handover ? `${handover.user.id}-${handover.thenDisable}` : 'none'}
        from={handover?.user ?? null}
        thenDisable={handover?.thenDisable ?? false}
        users={users.data ?? []}
        onClose={() => setHandover(null)}
      />
    </>
  )
}

/** 数据范围 and the permissions an admin grants; admins have all of them whatever is set. */
function RightsFields() {
  return (
    <Form.Item noStyle dependencies={['role']}>
      {({ getFieldValue }) =>
        getFieldValue('role') === 'admin' ? (
          <Typography.Paragraph type="secondary">管理员可查看全部客户，并可导出和删除。</Typography.Paragraph>
        ) : (
          <>
            <Form.Item name="data_scope" label="数据范围" extra="仅本人：只能看到自己负责的客户及其资料、跟进、进件">
              <Select options={DATA_SCOPE_OPTIONS} data-testid="user-data-scope" />
            </Form.Item>
            <Form.Item name="can_export" label="允许导出客户和进件" valuePropName="checked">
              <Switch />
            </Form.Item>
            <Form.Item name="can_delete" label="允许删除客户和资料" valuePropName="checked">
              <Switch />
            </Form.Item>
          </>
        )
      }
    </Form.Item>
  )
}
