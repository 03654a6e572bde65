import { useMemo } from 'react'
import { useNavigate, useParams } from 'react-router'
import { App } from 'antd'
import { CustomerForm } from './components/CustomerForm'
import { PageHeader } from '../../components/PageHeader'
import { PageSpin } from '../../components/PageSpin'
import { ErrorResult } from '../../components/ErrorResult'
import { toFormValues } from './formModel'
import { useCustomer, useSaveCustomer } from './hooks'

export default function CustomerFormPage() {
  const params = useParams()
  const id = params.id ? Number(params.id) : undefined
  const navigate = useNavigate()
  const { message } = App.useApp()
  const customer = useCustomer(id)
  const save = useSaveCustomer(id)
  const initial = useMemo(() => (customer.data ? toFormValues(customer.data) : undefined), [customer.data])

  if (id != null && customer.isPending) return <PageSpin />
  if (id != null && customer.isError) return <ErrorResult error={customer.error} onRetry={() => customer.refetch()} />

  return (
    <>
      <PageHeader title={id == null ? '新增客户' : `编辑：${customer.data?.name ?? ''}`} sub="不清楚的项可以留空，诊断时会标记为“资料待补充”" />
      <CustomerForm
        initial={initial}
        customerId={id}
        submitText={id == null ? '创建客户' : '保存修改'}
        onCancel={() => navigate(-1)}
        onSubmit={async (body) => {
          const c = await save.mutateAsync(body)
          message.success(id == null ? '客户已创建' : '已保存')
          navigate(`/customers/${c.id}`, { replace: true })
        }}
      />
    </>
  )
}
