import { useEffect, useState, type ReactNode } from 'react'
import { Alert, Form, Modal, type FormInstance } from 'antd'
import { ApiError, errorMessage, fieldPath } from '../api/errors'

/** A modal form that maps an API error's `field` onto the offending form item. */
export function FormModal<T extends object>({
  open,
  title,
  initial,
  onCancel,
  onSubmit,
  children,
  width,
}: {
  open: boolean
  title: string
  initial?: object
  onCancel: () => void
  onSubmit: (v: T) => Promise<unknown>
  children: (form: FormInstance<T>) => ReactNode
  width?: number
}) {
  const [form] = Form.useForm<T>()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    if (open) {
      form.resetFields()
      if (initial) form.setFieldsValue(initial as never)
    }
  }, [open, initial, form])

  async function ok() {
    let v: T
    try {
      v = await form.validateFields()
    } catch {
      return
    }
    setBusy(true)
    setError(null)
    try {
      await onSubmit(v)
    } catch (e) {
      if (e instanceof ApiError && e.field) {
        form.setFields([{ name: fieldPath(e.field) as never, errors: [e.message] }])
      }
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Modal
      open={open}
      title={title}
      onCancel={() => {
        setError(null)
        onCancel()
      }}
      afterOpenChange={(o) => !o && setError(null)}
      onOk={ok}
      confirmLoading={busy}
      okText="保存"
      width={width}
      destroyOnHidden
    >
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} role="alert" />}
      <Form form={form} layout="vertical" preserve={false}>
        {children(form)}
      </Form>
    </Modal>
  )
}
