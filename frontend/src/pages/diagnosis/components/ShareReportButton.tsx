import { useState } from 'react'
import { App, Button, Form, Input, List, Modal, Popconfirm, QRCode, Select, Space, Tag, Typography } from 'antd'
import { ShareAltOutlined } from '@ant-design/icons'
import { errorMessage } from '../../../api/errors'
import { useMe } from '../../../auth/useAuth'
import { dateTimeText as when } from '../../../domain/time'
import { absoluteUrl, useCreateShare, useRevokeShare, useShares } from '../shareHooks'

const VALIDITY = [
  { value: 1, label: '1 天' },
  { value: 3, label: '3 天' },
  { value: 7, label: '7 天（推荐）' },
  { value: 30, label: '30 天' },
  { value: 90, label: '90 天' },
]


/** 分享给客户: makes a read-only link (shown once, with a QR code) and lists the earlier ones. */
export function ShareReportButton({ diagnosisId }: { diagnosisId: number }) {
  const { message } = App.useApp()
  const me = useMe()
  const [open, setOpen] = useState(false)
  const [link, setLink] = useState<string>()
  const [form] = Form.useForm<{ expires_in_days: number; contact_line: string }>()
  const shares = useShares(diagnosisId, open)
  const create = useCreateShare(diagnosisId)
  const revoke = useRevokeShare(diagnosisId)

  const submit = (v: { expires_in_days: number; contact_line: string }) =>
    create.mutate(
      { expires_in_days: v.expires_in_days, contact_line: v.contact_line?.trim() || undefined },
      {
        onSuccess: (s) => setLink(absoluteUrl(s.url)),
        onError: (e) => message.error(errorMessage(e)),
      },
    )

  return (
    <>
      <Button icon={<ShareAltOutlined />} onClick={() => setOpen(true)} data-testid="share-report">
        分享给客户
      </Button>
      <Modal
        open={open}
        title="分享报告给客户"
        footer={null}
        onCancel={() => {
          setOpen(false)
          setLink(undefined)
        }}
        destroyOnHidden
      >
        {link ? (
          <Space direction="vertical" align="center" style={{ width: '100%' }}>
            <QRCode value={link} size={180} />
            <Typography.Paragraph copyable={{ text: link, tooltips: ['复制链接', '已复制'] }} style={{ wordBreak: 'break-all' }} data-testid="share-link">
              {link}
            </Typography.Paragraph>
            <Typography.Text type="secondary">
              链接只显示这一次：请现在复制或让客户扫码。客户无需登录即可查看这份报告，打开记录可在下方查看。
            </Typography.Text>
            <Button onClick={() => setLink(undefined)}>再生成一个</Button>
          </Space>
        ) : (
          <Form
            form={form}
            layout="vertical"
            initialValues={{ expires_in_days: 7, contact_line: me.data ? `客户经理：${me.data.display_name}` : '' }}
            onFinish={submit}
          >
            <Form.Item name="expires_in_days" label="有效期" rules={[{ required: true, message: '请选择有效期' }]}>
              <Select options={VALIDITY} />
            </Form.Item>
            <Form.Item
              name="contact_line"
              label="报告上的联系方式"
              extra="例如：客户经理：王经理 139 0000 1111"
              rules={[{ max: 60, message: '最多 60 个字' }]}
            >
              <Input maxLength={60} />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={create.isPending} block>
              生成分享链接
            </Button>
          </Form>
        )}
        <Typography.Title level={5} style={{ marginTop: 20 }}>
          已生成的链接
        </Typography.Title>
        <List
          size="small"
          loading={shares.isPending}
          locale={{ emptyText: '还没有分享过这份报告' }}
          dataSource={shares.data ?? []}
          renderItem={(s) => {
            const expired = new Date(s.expires_at) < new Date()
            const state = s.revoked_at ? <Tag>已撤销</Tag> : expired ? <Tag>已过期</Tag> : <Tag color="green">有效</Tag>
            return (
              <List.Item
                actions={
                  !s.revoked_at && !expired
                    ? [
                        <Popconfirm
                          key="revoke"
                          title="撤销后客户将无法再打开此链接"
                          okText="撤销"
                          cancelText="取消"
                          onConfirm={() => revoke.mutate(s.id, { onError: (e) => message.error(errorMessage(e)) })}
                        >
                          <Button size="small" danger>
                            撤销
                          </Button>
                        </Popconfirm>,
                      ]
                    : []
                }
              >
                <List.Item.Meta
                  title={
                    <Space wrap size={4}>
                      {state}
                      <span>生成于 {when(s.created_at)}</span>
                    </Space>
                  }
                  description={`有效至 ${when(s.expires_at)} · 打开 ${s.open_count} 次${s.last_opened_at ? `，最近 ${when(s.last_opened_at)}` : ''}`}
                />
              </List.Item>
            )
          }}
        />
      </Modal>
    </>
  )
}
