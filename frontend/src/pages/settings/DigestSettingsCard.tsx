import { useEffect } from 'react'
import { App, Button, Card, Form, Input, InputNumber, Select, Space, Switch, Typography } from 'antd'
import { errorMessage } from '../../api/errors'
import { useUsers } from '../../hooks/useUsers'
import { useDigestSettings, useSaveDigestSettings, useTestDigest, type DigestSettings } from '../follow-ups/hooks'

interface DigestForm {
  enabled: boolean
  hour: number
  webhook_format: DigestSettings['webhook_format']
  webhook_url?: string
  muted_user_ids: number[]
}

const FORMATS: { value: DigestSettings['webhook_format']; label: string }[] = [
  { value: 'wecom', label: '企业微信群机器人' },
  { value: 'dingtalk', label: '钉钉群机器人' },
  { value: 'feishu', label: '飞书群机器人' },
  { value: 'generic', label: '通用 JSON' },
]

/** 每日跟进提醒: each user's overdue and today's follow-ups, once a day, to the team's chat robot. */
export function DigestSettingsCard() {
  const settings = useDigestSettings(true)
  const save = useSaveDigestSettings()
  const test = useTestDigest()
  const users = useUsers()
  const { message } = App.useApp()
  const [form] = Form.useForm<DigestForm>()
  const s = settings.data

  useEffect(() => {
    if (s) form.setFieldsValue({ enabled: s.enabled, hour: s.hour, webhook_format: s.webhook_format, muted_user_ids: s.muted_user_ids, webhook_url: undefined })
  }, [s, form])

  const submit = async (v: DigestForm) => {
    try {
      await save.mutateAsync({
        enabled: v.enabled,
        hour: v.hour,
        webhook_format: v.webhook_format,
        muted_user_ids: v.muted_user_ids,
        // Left empty: keep the saved address (it is never shown again).
        ...(v.webhook_url?.trim() ? { webhook_url: v.webhook_url.trim() } : {}),
      })
      form.setFieldValue('webhook_url', undefined)
      message.success('提醒设置已保存')
    } catch (e) {
      message.error(errorMessage(e))
    }
  }

  const sendTest = async () => {
    try {
      await test.mutateAsync()
      message.success('测试消息已发送，请在群里查看')
    } catch (e) {
      message.error(errorMessage(e))
    }
  }

  return (
    <Card size="small" title="每日跟进提醒" data-testid="digest-settings">
      <Typography.Paragraph type="secondary">
        每天到点后，给每位业务员发一条消息到群机器人：已逾期和今日待跟进的客户。没有待跟进的人不发。
      </Typography.Paragraph>
      <Form<DigestForm> form={form} layout="vertical" onFinish={submit} initialValues={{ enabled: false, hour: 8, webhook_format: 'wecom', muted_user_ids: [] }}>
        <Form.Item name="enabled" label="开启每日提醒" valuePropName="checked">
          <Switch />
        </Form.Item>
        <Space wrap>
          <Form.Item name="hour" label="发送时间（北京时间，点）">
            <InputNumber min={0} max={23} />
          </Form.Item>
          <Form.Item name="webhook_format" label="机器人类型">
            <Select options={FORMATS} style={{ minWidth: 180 }} />
          </Form.Item>
        </Space>
        <Form.Item
          name="webhook_url"
          label="群机器人 Webhook 地址"
          extra={s?.webhook_set ? `已保存（${s.webhook_host ?? ''}），留空则不修改` : '在群设置 → 群机器人 → 添加机器人后复制地址'}
        >
          <Input.Password placeholder="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…" visibilityToggle={false} autoComplete="off" />
        </Form.Item>
        <Form.Item name="muted_user_ids" label="不接收提醒的用户">
          <Select mode="multiple" allowClear options={(users.data ?? []).map((u) => ({ value: u.id, label: u.display_name }))} />
        </Form.Item>
        <Space wrap>
          <Button type="primary" htmlType="submit" loading={save.isPending}>
            保存提醒设置
          </Button>
          <Button onClick={sendTest} loading={test.isPending} disabled={!s?.webhook_set}>
            发送测试消息
          </Button>
        </Space>
      </Form>
    </Card>
  )
}
