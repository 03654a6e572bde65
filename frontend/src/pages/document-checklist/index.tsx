import { useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { Alert, App, Button, Card, Checkbox, Switch, Table, Typography } from 'antd'
import { api } from '../../api/client'
import { errorMessage, unwrap } from '../../api/errors'
import type { Res } from '../../api/types'
import { ErrorResult } from '../../components/ErrorResult'
import { PageHeader } from '../../components/PageHeader'
import { PageSpin } from '../../components/PageSpin'
import { PRODUCT_FAMILY_OPTIONS, labelOf } from '../../domain/labels'
import {
  DOCUMENT_KIND_OPTIONS,
  type DocumentChecklist,
  type DocumentKind,
  useDocumentChecklist,
  useSaveDocumentChecklist,
} from '../customers/components/documentsApi'

type ProductRecord = Res<'/api/products'>[number]
type Family = DocumentChecklist['families'][number]['family']

/** One row's kinds as checkboxes, in the vocabulary's order. */
function KindBoxes({ kinds, disabled, onChange, label }: { kinds: DocumentKind[]; disabled?: boolean; onChange: (k: DocumentKind[]) => void; label: string }) {
  return (
    <Checkbox.Group
      aria-label={label}
      disabled={disabled}
      value={kinds}
      options={DOCUMENT_KIND_OPTIONS}
      onChange={(v) => onChange(DOCUMENT_KIND_OPTIONS.map((o) => o.value).filter((k) => v.includes(k)))}
    />
  )
}

/** 资料清单 (admin): which documents each product family, or one product, needs. */
export default function DocumentChecklistPage() {
  const stored = useDocumentChecklist()
  const products = useQuery({ queryKey: ['products'], queryFn: () => unwrap(api.GET('/api/products')) })
  const save = useSaveDocumentChecklist()
  const { message } = App.useApp()
  // The admin's edits; null shows what is stored.
  const [edited, setDraft] = useState<DocumentChecklist | null>(null)
  const draft = edited ?? stored.data

  if (stored.isError) return <ErrorResult error={stored.error} onRetry={() => stored.refetch()} />
  if (products.isError) return <ErrorResult error={products.error} onRetry={() => products.refetch()} />
  if (!draft || !products.data) return <PageSpin />

  const familyKinds = (f: Family) => draft.families.find((x) => x.family === f)?.kinds ?? []
  const setFamily = (family: Family, kinds: DocumentKind[]) =>
    setDraft({ ...draft, families: [...draft.families.filter((x) => x.family !== family), { family, kinds }] })
  const own = (key: string) => draft.products?.find((p) => p.product_id === key)
  const setProduct = (key: string, kinds: DocumentKind[] | null) => {
    const rest = (draft.products ?? []).filter((p) => p.product_id !== key)
    setDraft({ ...draft, products: kinds ? [...rest, { product_id: key, kinds }] : rest })
  }
  const submit = () => {
    // The families in the vocabulary's order, whatever order they were edited in.
    const order = PRODUCT_FAMILY_OPTIONS.map((o) => o.value as string)
    const body = { ...draft, families: [...draft.families].sort((a, b) => order.indexOf(a.family) - order.indexOf(b.family)) }
    save.mutate(body, {
      onSuccess: () => {
        setDraft(null)
        message.success('资料清单已保存')
      },
      onError: (e) => message.error(errorMessage(e)),
    })
  }
  const dirty = edited != null && JSON.stringify(edited) !== JSON.stringify(stored.data)

  return (
    <>
      <PageHeader
        title="资料清单"
        sub="每类产品需要客户提供哪些资料；客户页的「资料」会按最新诊断的可申请产品列出还缺什么"
        extra={
          <Button type="primary" onClick={submit} loading={save.isPending} disabled={!dirty}>
            保存
          </Button>
        }
      />
      <Card size="small" title="按产品类型" style={{ marginBottom: 16 }}>
        <Table
          rowKey="value"
          size="small"
          pagination={false}
          scroll={{ x: 720 }}
          dataSource={PRODUCT_FAMILY_OPTIONS}
          columns={[
            { title: '产品类型', dataIndex: 'label', width: 100 },
            {
              title: '需要的资料',
              key: 'kinds',
              render: (_, o) => <KindBoxes label={`${o.label}需要的资料`} kinds={familyKinds(o.value as Family)} onChange={(k) => setFamily(o.value as Family, k)} />,
            },
          ]}
        />
      </Card>
      <Card size="small" title="单个产品（与所属类型不同时单独设置）">
        <Alert type="info" showIcon style={{ marginBottom: 12 }} message="未单独设置的产品按其产品类型的清单计算。" />
        <Table<ProductRecord>
          rowKey="id"
          size="small"
          pagination={false}
          scroll={{ x: 820 }}
          dataSource={products.data}
          columns={[
            {
              title: '产品',
              key: 'name',
              width: 180,
              render: (_, p) => (
                <>
                  <Typography.Text>{p.product.name}</Typography.Text>
                  <br />
                  <Typography.Text type="secondary">{labelOf(PRODUCT_FAMILY_OPTIONS, p.product.family)}</Typography.Text>
                </>
              ),
            },
            {
              title: '单独设置',
              key: 'own',
              width: 90,
              render: (_, p) => (
                <Switch
                  aria-label={`${p.product.name}单独设置`}
                  checked={own(p.product.id) != null}
                  onChange={(on) => setProduct(p.product.id, on ? familyKinds(p.product.family as Family) : null)}
                />
              ),
            },
            {
              title: '需要的资料',
              key: 'kinds',
              render: (_, p) => {
                const mine = own(p.product.id)
                return (
                  <KindBoxes
                    label={`${p.product.name}需要的资料`}
                    disabled={!mine}
                    kinds={mine?.kinds ?? familyKinds(p.product.family as Family)}
                    onChange={(k) => setProduct(p.product.id, k)}
                  />
                )
              },
            },
          ]}
        />
      </Card>
    </>
  )
}
