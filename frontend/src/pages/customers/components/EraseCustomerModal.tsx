import { useState } from 'react'
import { Alert, App, Input, Modal, Typography } from 'antd'
import type { ButtonProps } from 'antd'
import { errorMessage } from '../../../api/errors'
import { useEraseCustomer } from './privacyApi'

/**
 * 彻底删除（个人信息删除）: explains what goes, and stays disabled until the broker has typed the
 * company name exactly. `onErased` runs after the server confirmed the erasure.
 */
export function EraseCustomerModal({
  customer,
  open,
  onClose,
  onErased,
}: {
  customer: { id: number; name: string }
  open: boolean
  onClose: () => void
  onErased: () => void
}) {
  const [typed, setTyped] = useState('')
  const erase = useEraseCustomer()
  const { message } = App.useApp()
  const matches = typed === customer.name
  return (
    <Modal
      open={open}
      title="彻底删除（个人信息删除）"
      okText="彻底删除"
      cancelText="取消"
      okButtonProps={{ danger: true, disabled: !matches, 'data-testid': 'erase-confirm' } as ButtonProps}
      confirmLoading={erase.isPending}
      onCancel={() => {
        setTyped('')
        onClose()
      }}
      onOk={() =>
        erase.mutateAsync({ id: customer.id, confirmName: typed }).then(
          () => {
            message.success(`已彻底删除客户“${customer.name}”及其全部个人信息`)
            setTyped('')
            onErased()
          },
          (e) => message.error(errorMessage(e)),
        )
      }
      destroyOnHidden
    >
      <Typography.Paragraph>
        将永久删除该客户及其全部记录：企业信息与联系人、抵押物、诊断及其依据、改造方案、跟进记录、进件及状态记录、收费协议与返佣、分享链接及打开记录、上传的资料文件。审计日志只保留“何人何时做了什么”，其中的个人信息内容会被替换为“[已删除]”。
      </Typography.Paragraph>
      <Alert
        type="warning"
        showIcon
        style={{ marginBottom: 12 }}
        message="此操作不可恢复，也不会进入回收站"
        description="已有的备份（restic）仍保留这些数据，直到备份保留期满后被自动清理；如需提前清除，请联系运维人员。"
      />
      <Typography.Paragraph>
        请输入企业名称 <Typography.Text strong>{customer.name}</Typography.Text> 以确认：
      </Typography.Paragraph>
      <Input data-testid="erase-confirm-name" value={typed} onChange={(e) => setTyped(e.target.value)} placeholder={customer.name} autoComplete="off" />
    </Modal>
  )
}
