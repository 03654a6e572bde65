import { useState } from 'react'
import { Alert, App, Button, Card, Form, Input, List, Popconfirm, Select, Space, Tag, Typography } from 'antd'
import { ApiError, errorMessage } from '../../../api/errors'
import { ErrorResult } from '../../../components/ErrorResult'
import { PageSpin } from '../../../components/PageSpin'
import { FOLLOW_UP_CHANNEL_OPTIONS, labelOf } from '../../../domain/labels'
import { dateTimeText } from '../../../domain/time'
import { NextContactModal } from '../../follow-ups/NextContactModal'
import { useCreateFollowUp, useFollowUps, useUpdateFollowUp, type FollowUp, type FollowUpInput } from '../../follow-ups/hooks'

type Draft = Pick<FollowUpInput, 'channel' | 'content' | 'result'>

/** 跟进记录: record a call or visit, then say when to contact the client next. */
export function FollowUpsTab({ customerId }: { customerId: number }) {
  const list = useFollowUps(customerId)
  const create = useCreateFollowUp(customerId)
  const update = useUpdateFollowUp(customerId)
  const { message } = App.useApp()
  const [form] = Form.useForm<Draft>()
  const [asking, setAsking] = useState<FollowUp | null>(null)

  if (list.isPending) return <PageSpin />
  if (list.isError) {
    if (list.error instanceof ApiError && list.error.code === 'deleted')
      return <Alert type="info" showIcon message={errorMessage(list.error)} />
    return <ErrorResult error={list.error} onRetry={() => list.refetch()} />
  }

  const submit = async (d: Draft) => {
    try {
      const saved = await create.mutateAsync({ channel: d.channel, content: d.content, result: d.result || undefined })
      form.resetFields()
      message.success('跟进已记录')
      setAsking(saved)
    } catch (e) {
      message.error(errorMessage(e))
    }
  }

  const setDone = async (f: FollowUp, done: boolean) => {
    try {
      await update.mutateAsync({ id: f.id, body: { done } })
    } catch (e) {
      message.error(errorMessage(e))
    }
  }

  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Card size="small" title="记录跟进">
        <Form form={form} layout="vertical" initialValues={{ channel: 'phone' }} onFinish={submit} data-testid="follow-up-form">
          <Form.Item name="channel" label="方式" rules={[{ required: true }]}>
            <Select options={FOLLOW_UP_CHANNEL_OPTIONS} style={{ maxWidth: 200 }} />
          </Form.Item>
          <Form.Item
            name="content"
            label="沟通内容"
            rules={[
              { required: true, whitespace: true, message: '请填写沟通内容' },
              { max: 2000, message: '最多 2000 个字' },
            ]}
          >
            <Input.TextArea rows={3} placeholder="例如：电话沟通了税贷需求，客户下周提供近一年纳税证明" />
          </Form.Item>
          <Form.Item name="result" label="结果" rules={[{ max: 500, message: '最多 500 个字' }]}>
            <Input placeholder="例如：有意向，待补资料" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={create.isPending}>
            保存跟进
          </Button>
        </Form>
      </Card>
      <List
        data-testid="follow-up-list"
        locale={{ emptyText: '还没有跟进记录' }}
        dataSource={list.data.items}
        renderItem={(f) => (
          <List.Item
            actions={
              f.next_contact_at
                ? [
                    f.done ? (
                      <Popconfirm key="reopen" title="重新打开这条待跟进？" onConfirm={() => setDone(f, false)}>
                        <Button size="small" type="link">
                          重新打开
                        </Button>
                      </Popconfirm>
                    ) : (
                      <Button key="done" size="small" onClick={() => setDone(f, true)}>
                        完成
                      </Button>
                    ),
                  ]
                : [
                    <Button key="plan" size="small" type="link" onClick={() => setAsking(f)}>
                      安排下次联系
                    </Button>,
                  ]
            }
          >
            <List.Item.Meta
              title={
                <Space size={4} wrap>
                  <Tag color="green">{labelOf(FOLLOW_UP_CHANNEL_OPTIONS, f.channel)}</Tag>
                  <Typography.Text type="secondary">{dateTimeText(f.contacted_at)}</Typography.Text>
                  {f.created_by_name && <Typography.Text type="secondary">{f.created_by_name}</Typography.Text>}
                </Space>
              }
              description={
                <>
                  <Typography.Paragraph style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{f.content}</Typography.Paragraph>
                  {f.result && <Typography.Text type="secondary">结果：{f.result}</Typography.Text>}
                  {f.next_contact_at && (
                    <div>
                      <Typography.Text type={f.overdue ? 'danger' : undefined}>
                        下次联系：{dateTimeText(f.next_contact_at)}
                        {f.assignee_name && `（${f.assignee_name}）`}
                      </Typography.Text>{' '}
                      {f.done ? <Tag>已完成</Tag> : f.overdue ? <Tag color="red">逾期</Tag> : <Tag color="blue">待跟进</Tag>}
                    </div>
                  )}
                </>
              }
            />
          </List.Item>
        )}
      />
      <NextContactModal followUp={asking} onClose={() => setAsking(null)} />
    </Space>
  )
}
