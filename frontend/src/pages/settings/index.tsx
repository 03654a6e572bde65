import { useEffect, useState } from 'react'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Card, Col, ColorPicker, Form, Input, Row, Space, Typography, Upload } from 'antd'
import type { Color } from 'antd/es/color-picker'
import { UploadOutlined } from '@ant-design/icons'
import { api, uploadFile } from '../../api/client'
import { ApiError, errorMessage, unwrap } from '../../api/errors'
import type { Branding } from '../../api/types'
import { brandingQueryKey } from '../../branding/BrandingProvider'
import { BrandingContext, safeColor, useBranding } from '../../branding/context'
import { BrandLogo } from '../../branding/BrandLogo'
import { PageHeader } from '../../components/PageHeader'
import { DigestSettingsCard } from './DigestSettingsCard'

interface BrandForm {
  brand_name: string
  primary_color: string
  secondary_color: string
}

const hex = (c: Color | string) => (typeof c === 'string' ? c : c.toHexString())

function Preview({ b }: { b: BrandForm & { logo_url?: string | null } }) {
  const primary = safeColor(b.primary_color, '#1677ff')
  const secondary = safeColor(b.secondary_color, '#13c2c2')
  return (
    <BrandingContext.Provider value={{ ...b, primary_color: primary, secondary_color: secondary, brand_name: b.brand_name || '贷款助手' }}>
      <div data-testid="brand-preview" style={{ border: '1px solid #eee', borderRadius: 8, overflow: 'hidden' }}>
        <div style={{ display: 'flex', alignItems: 'center', gap: 8, padding: '10px 12px', borderBottom: `3px solid ${primary}`, background: '#fff' }}>
          <BrandLogo size={28} />
          <Typography.Text strong>{b.brand_name || '贷款助手'}</Typography.Text>
        </div>
        <div style={{ padding: 24, background: `linear-gradient(135deg, ${primary}22 0%, ${secondary}33 100%)` }}>
          <div style={{ background: '#fff', borderRadius: 8, padding: 16, borderTop: `4px solid ${primary}`, textAlign: 'center' }}>
            <BrandLogo size={40} />
            <div style={{ fontWeight: 600, margin: '8px 0' }}>{b.brand_name || '贷款助手'}</div>
            <div style={{ background: primary, color: '#fff', borderRadius: 6, padding: '6px 0' }}>登录</div>
          </div>
        </div>
      </div>
    </BrandingContext.Provider>
  )
}

export default function SettingsPage() {
  const current = useBranding()
  const qc = useQueryClient()
  const { message } = App.useApp()
  const [form] = Form.useForm<BrandForm>()
  const values = Form.useWatch([], form) as BrandForm | undefined
  const [error, setError] = useState<string | null>(null)
  const [uploading, setUploading] = useState(false)

  useEffect(() => {
    form.setFieldsValue({ brand_name: current.brand_name, primary_color: current.primary_color, secondary_color: current.secondary_color })
  }, [current.brand_name, current.primary_color, current.secondary_color, form])

  const save = useMutation({
    mutationFn: (body: BrandForm) => unwrap(api.PUT('/api/branding', { body })),
    onSuccess: (b) => qc.setQueryData(brandingQueryKey, b),
  })

  async function submit(v: BrandForm) {
    setError(null)
    try {
      await save.mutateAsync({ brand_name: v.brand_name.trim(), primary_color: hex(v.primary_color), secondary_color: hex(v.secondary_color) })
      message.success('品牌设置已保存')
    } catch (e) {
      if (e instanceof ApiError && e.field) form.setFields([{ name: e.field as keyof BrandForm, errors: [e.message] }])
      setError(errorMessage(e))
    }
  }

  async function upload(file: File) {
    setUploading(true)
    setError(null)
    try {
      const b = await uploadFile<Branding>('/api/branding/logo', file)
      qc.setQueryData(brandingQueryKey, b)
      await qc.invalidateQueries({ queryKey: brandingQueryKey })
      message.success('Logo 已更新')
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setUploading(false)
    }
  }

  const preview = {
    brand_name: values?.brand_name ?? current.brand_name,
    primary_color: values?.primary_color ? hex(values.primary_color) : current.primary_color,
    secondary_color: values?.secondary_color ? hex(values.secondary_color) : current.secondary_color,
    logo_url: current.logo_url,
  }

  return (
    <>
      <PageHeader title="设置" sub="品牌用于登录页、页面顶部和客户报告；每日跟进提醒发到群机器人" />
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} role="alert" />}
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={12}>
          <Card size="small" title="品牌信息">
            <Form<BrandForm> form={form} layout="vertical" onFinish={submit}>
              <Form.Item name="brand_name" label="品牌名称" rules={[{ required: true, whitespace: true, message: '请输入品牌名称' }]}>
                <Input maxLength={50} />
              </Form.Item>
              <Space size="large" wrap>
                <Form.Item name="primary_color" label="主色" getValueFromEvent={(c: Color) => c.toHexString()}>
                  <ColorPicker showText disabledAlpha />
                </Form.Item>
                <Form.Item name="secondary_color" label="辅助色" getValueFromEvent={(c: Color) => c.toHexString()}>
                  <ColorPicker showText disabledAlpha />
                </Form.Item>
              </Space>
              <div>
                <Button type="primary" htmlType="submit" loading={save.isPending}>
                  保存
                </Button>
              </div>
            </Form>
          </Card>
          <Card size="small" title="Logo" style={{ marginTop: 16 }}>
            <Space align="center" wrap>
              <BrandLogo size={48} />
              <Upload
                accept="image/png,image/jpeg,image/webp"
                showUploadList={false}
                beforeUpload={(f) => {
                  void upload(f)
                  return false
                }}
              >
                <Button icon={<UploadOutlined />} loading={uploading}>
                  上传 Logo
                </Button>
              </Upload>
              <Typography.Text type="secondary">PNG / JPEG / WebP，建议方形或横向、透明背景</Typography.Text>
            </Space>
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card size="small" title="预览">
            <Preview b={preview} />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <DigestSettingsCard />
        </Col>
      </Row>
    </>
  )
}
