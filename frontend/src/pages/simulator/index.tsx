import { useMemo, useState } from 'react'
import { useSearchParams } from 'react-router'
import { useQuery } from '@tanstack/react-query'
import { Alert, Button, Card, Col, Empty, Form, Row, Select, Space, Typography } from 'antd'
import { api } from '../../api/client'
import { errorMessage, unwrap } from '../../api/errors'
import type { CustomerInput, DiagnosisResult } from '../../api/types'
import { PageHeader } from '../../components/PageHeader'
import { FIELDS } from '../../domain/labels'
import { useDebounced } from '../../hooks/useDebounced'
import { useCustomer, useCustomerList } from '../customers/hooks'
import { fromFormValues, toFormValues } from '../customers/formModel'
import { factControl } from '../customers/components/CustomerForm'
import { DiagnosisSummary } from '../diagnosis/components/DiagnosisView'
import { ProductsTable } from '../diagnosis/components/ProductsTable'

/** The figures a broker typically plays with (the catalogue marks them); all other facts stay as recorded. */
const KNOBS = FIELDS.filter((f) => f.simulator)

function useSimulation(input: CustomerInput | undefined) {
  return useQuery({
    queryKey: ['simulate', input],
    queryFn: async (): Promise<DiagnosisResult> => unwrap(api.POST('/api/diagnoses/simulate', { body: input! })),
    enabled: !!input,
    staleTime: Infinity,
    retry: false,
  })
}

export default function SimulatorPage() {
  const [sp, setSp] = useSearchParams()
  const customerId = sp.get('customer') ? Number(sp.get('customer')) : undefined
  const [search, setSearch] = useState('')
  const options = useCustomerList({ page: 1, page_size: 20, q: search || undefined })
  const customer = useCustomer(customerId)
  const base = useMemo(() => (customer.data ? fromFormValues(toFormValues(customer.data)) : undefined), [customer.data])
  const [changes, setChanges] = useState<Partial<CustomerInput>>({})
  const [form] = Form.useForm()
  const modified = useMemo(() => (base ? ({ ...base, ...changes } as CustomerInput) : undefined), [base, changes])
  const debounced = useDebounced(modified)
  const before = useSimulation(base)
  const after = useSimulation(debounced)

  function pick(id?: number) {
    setChanges({})
    form.resetFields()
    setSp(id ? { customer: String(id) } : {}, { replace: true })
  }

  return (
    <>
      <PageHeader title="模拟测算" sub="调整关键数字，实时查看评分、分类和可贷额度的变化（不会保存）" />
      <div className="toolbar">
        <Select
          showSearch
          allowClear
          placeholder="选择客户"
          style={{ width: 320, maxWidth: '100%' }}
          value={customerId}
          filterOption={false}
          onSearch={setSearch}
          onChange={(v) => pick(v)}
          options={[
            ...(customer.data && !options.data?.items.some((c) => c.id === customer.data.id)
              ? [{ value: customer.data.id, label: customer.data.name }]
              : []),
            ...(options.data?.items ?? []).map((c) => ({ value: c.id, label: c.name })),
          ]}
          aria-label="选择客户"
        />
        {Object.keys(changes).length > 0 && <Button onClick={() => pick(customerId)}>恢复原值</Button>}
      </div>
      {!customerId ? (
        <Empty description="先选择一个客户" />
      ) : !base ? null : (
        <Row gutter={[16, 16]}>
          <Col xs={24} lg={8}>
            <Card size="small" title="调整数字">
              <Form
                form={form}
                layout="vertical"
                initialValues={base}
                onValuesChange={(_, all) => setChanges(all)}
                size="small"
              >
                {KNOBS.map((k) => (
                  <Form.Item key={k.key} name={k.key} label={k.label} style={{ marginBottom: 10 }}>
                    {factControl(k)}
                  </Form.Item>
                ))}
              </Form>
            </Card>
          </Col>
          <Col xs={24} lg={16}>
            {(before.isError || after.isError) && (
              <Alert type="error" showIcon message={errorMessage(after.error ?? before.error)} style={{ marginBottom: 16 }} />
            )}
            {after.data ? (
              <Space direction="vertical" style={{ width: '100%' }}>
                <DiagnosisSummary diagnosis={after.data} compare={before.data} />
                <Card size="small" title="产品匹配（调整后）">
                  <ProductsTable diagnosis={after.data} />
                </Card>
                <Typography.Text type="secondary">模拟结果仅供参考，不会保存到客户档案。</Typography.Text>
              </Space>
            ) : (
              <Card loading />
            )}
          </Col>
        </Row>
      )}
    </>
  )
}
