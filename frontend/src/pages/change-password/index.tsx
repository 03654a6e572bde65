import { useState } from 'react'
import { useNavigate } from 'react-router'
import { Alert, App, Button, Card, Form, Input, Typography } from 'antd'
import { api } from '../../api/client'
import { ApiError, errorMessage, unwrap } from '../../api/errors'
import { useAuthActions, useMe } from '../../auth/useAuth'

interface PwForm {
  current_password: string
  new_password: string
  confirm: string
}

export default function ChangePasswordPage() {
  const me = useMe()
  const navigate = useNavigate()
  const { message } = App.useApp()
  const { acceptToken } = useAuthActions()
  const [form] = Form.useForm<PwForm>()
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const forced = !!me.data?.must_change_password

  async function onFinish(v: PwForm) {
    setBusy(true)
    setError(null)
    try {
      const t = await unwrap(
        api.POST('/api/auth/change-password', {
          body: { current_password: v.current_password, new_password: v.new_password },
        }),
      )
      await acceptToken(t)
      message.success('密码已修改')
      navigate('/dashboard', { replace: true })
    } catch (e) {
      if (e instanceof ApiError && e.field && ['current_password', 'new_password'].includes(e.field)) {
        form.setFields([{ name: e.field as keyof PwForm, errors: [e.message] }])
      } else {
        setError(errorMessage(e))
      }
    } finally {
      setBusy(false)
    }
  }

  return (
    <div style={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', padding: 16 }}>
      <Card style={{ width: '100%', maxWidth: 420 }}>
        <Typography.Title level={4}>修改密码</Typography.Title>
        {forced && (
          <Alert
            type="warning"
            showIcon
            style={{ marginBottom: 16 }}
            message="首次登录需要修改初始密码"
            description="初始密码只能使用一次，请设置一个只有您知道的新密码。"
          />
        )}
        {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} role="alert" />}
        <Form<PwForm> form={form} layout="vertical" onFinish={onFinish} requiredMark={false}>
          <Form.Item label="当前密码" name="current_password" rules={[{ required: true, message: '请输入当前密码' }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Form.Item
            label="新密码"
            name="new_password"
            rules={[
              { required: true, message: '请输入新密码' },
              { min: 10, message: '新密码至少 10 位' },
              { max: 128, message: '新密码最多 128 位' },
            ]}
            extra="10–128 位，至少包含字母、数字、符号中的两类；不要用常见单词、用户名或品牌名"
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item
            label="确认新密码"
            name="confirm"
            dependencies={['new_password']}
            rules={[
              { required: true, message: '请再次输入新密码' },
              ({ getFieldValue }) => ({
                validator: (_, v) =>
                  !v || v === getFieldValue('new_password') ? Promise.resolve() : Promise.reject(new Error('两次输入的密码不一致')),
              }),
            ]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy}>
            确认修改
          </Button>
          {!forced && (
            <Button type="link" block onClick={() => navigate(-1)} style={{ marginTop: 8 }}>
              返回
            </Button>
          )}
        </Form>
      </Card>
    </div>
  )
}
