import { Input, Select } from 'antd'
import { useSearchParams } from 'react-router'
import { PageHeader } from '../../components/PageHeader'
import { PageSpin } from '../../components/PageSpin'
import { ErrorResult } from '../../components/ErrorResult'
import { PlanBoard } from './components/PlanBoard'
import { useAllPlans } from './hooks'
import { useCustomerList } from '../customers/hooks'

export default function PlansPage() {
  const [sp, setSp] = useSearchParams()
  const customerId = sp.get('customer_id') ? Number(sp.get('customer_id')) : undefined
  const plans = useAllPlans(customerId ? { customer_id: customerId } : {})
  const q = sp.get('q') ?? ''
  const customers = useCustomerList({ page: 1, page_size: 100, q: q || undefined })
  const names = new Map((customers.data?.items ?? []).map((c) => [c.id, c.name]))

  return (
    <>
      <PageHeader title="改造方案看板" sub="按状态查看所有客户的改造方案，点击卡片勾选任务" />
      <div className="toolbar">
        <Input.Search
          placeholder="按客户名称筛选"
          allowClear
          defaultValue={q}
          onSearch={(v) => setSp(v ? { q: v } : {}, { replace: true })}
          style={{ width: 240 }}
        />
        <Select
          allowClear
          placeholder="选择客户"
          value={customerId}
          style={{ width: 240 }}
          options={(customers.data?.items ?? []).map((c) => ({ value: c.id, label: c.name }))}
          onChange={(v) => setSp(v ? { customer_id: String(v), ...(q ? { q } : {}) } : q ? { q } : {}, { replace: true })}
        />
      </div>
      {plans.isPending ? (
        <PageSpin />
      ) : plans.isError ? (
        <ErrorResult error={plans.error} onRetry={() => plans.refetch()} />
      ) : (
        <PlanBoard plans={plans.data} customerNames={names} />
      )}
    </>
  )
}
