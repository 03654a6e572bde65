import { useState } from 'react'
import { useNavigate, useSearchParams } from 'react-router'
import { Alert, Button, Card, Form, Input, Typography } from 'antd'
import { LockOutlined, UserOutlined } from '@ant-design/icons'
import { api } from '../../api/client'
import { errorMessage, unwrap } from '../../api/errors'
import { useAuthActions } from '../../auth/useAuth'
import { useBranding } from '../../branding/context'
import { BrandLogo } from '../../branding/BrandLogo'

interface LoginForm {
  username: string
  password: string
}

/** Only same-origin paths are followed after login. */
function safeRedirect(r: string | null): string {
  return r && r.startsWith('/') && !r.startsWith('//') && !r.startsWith('/login') ? r : '/dashboard'
}

export default function LoginPage() {
  const brand = useBranding()
  const navigate = useNavigate()
  const [params] = useSearchParams()
  const { acceptToken } = useAuthActions()
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  async function onFinish(v: LoginForm) {
    setBusy(true)
    setError(null)
    try {
      const t = await unwrap(api.POST('/api/auth/login', { body: { username: v.username.trim(), password: v.password } }))
      await acceptToken(t)
      navigate(t.must_change_password ? '/change-password' : safeRedirect(params.get('redirect')), { replace: true })
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <div
      style={{
        minHeight: '100vh',
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'center',
        padding: 16,
        background: `linear-gradient(135deg, ${brand.primary_color}22 0%, ${brand.secondary_color}33 100%)`,
      }}
    >
      <Card style={{ width: '100%', maxWidth: 380, borderTop: `4px solid ${brand.primary_color}` }}>
        <div style={{ textAlign: 'center', marginBottom: 24 }}>
          <BrandLogo size={56} />
          <Typography.Title level={3} style={{ marginTop: 12, marginBottom: 0 }} data-testid="login-brand-name">
            {brand.brand_name}
          </Typography.Title>
          <Typography.Text type="secondary">企业融资诊断与客户管理</Typography.Text>
        </div>
        {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} role="alert" />}
        <Form<LoginForm> layout="vertical" onFinish={onFinish} requiredMark={false} autoComplete="on">
          <Form.Item label="用户名" name="username" rules={[{ required: true, message: '请输入用户名' }]}>
            <Input prefix={<UserOutlined />} autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item label="密码" name="password" rules={[{ required: true, message: '请输入密码' }]}>
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block size="large" loading={busy}>
            登录
          </Button>
        </Form>
      </Card>
    </div>
  )
}
