import { Card, Checkbox, DatePicker, Radio, Space, Typography } from 'antd'
import dayjs, { type Dayjs } from 'dayjs'
import { FIELDS } from '../../../domain/labels'
import type { CustomerInput } from '../../../api/types'
import { DATA_KINDS, METHODS, PURPOSES, businessToday, type ConsentData, type ConsentMethod, type ConsentPurpose } from './consentsApi'

/** The inline consent of a new customer, as the form holds it. */
export interface InlineConsent {
  on: boolean
  obtained_on: Dayjs
  method: ConsentMethod
  purposes: ConsentPurpose[]
  /** null: follow what is entered. */
  data: ConsentData[] | null
}

export const initialInlineConsent = (): InlineConsent => ({
  on: false,
  obtained_on: dayjs(businessToday()),
  method: 'paper',
  purposes: ['assessment'],
  data: null,
})

/** The field catalogue's groups that are sensitive, as the server decides (征信 → credit_report, 流水 → bank_flow). */
const GROUP_DATA: Record<string, ConsentData> = { credit: 'credit_report', flow: 'bank_flow' }

/** The sensitive kinds the values enter (a known value in a 征信 or 流水 fact). */
export function sensitiveKinds(values: Record<string, unknown> | undefined): ConsentData[] {
  const out = new Set<ConsentData>()
  for (const f of FIELDS) {
    const kind = GROUP_DATA[f.group]
    const v = values?.[f.key]
    if (kind && v !== undefined && v !== null && v !== '') out.add(kind)
  }
  return DATA_KINDS.map((d) => d.value).filter((d) => out.has(d))
}

/** The `consent` of the create request, or undefined when the box is not ticked. */
export function consentBody(c: InlineConsent, entered: ConsentData[]): CustomerInput['consent'] {
  if (!c.on) return undefined
  const data = c.data ?? (entered.length ? entered : (['credit_report', 'bank_flow'] as ConsentData[]))
  return { purposes: c.purposes, data, method: c.method, obtained_on: c.obtained_on.format('YYYY-MM-DD') }
}

/** 客户授权: a compact section of the new-customer form (the signed paper form, recorded with the customer). */
export function CustomerConsentSection({
  value,
  onChange,
  entered,
}: {
  value: InlineConsent
  onChange: (v: InlineConsent) => void
  entered: ConsentData[]
}) {
  const set = (patch: Partial<InlineConsent>) => onChange({ ...value, ...patch })
  return (
    <Card title="客户授权" size="small" style={{ marginBottom: 16 }} id="customer-consent">
      <Space direction="vertical" style={{ width: '100%' }}>
        <Checkbox checked={value.on} onChange={(e) => set({ on: e.target.checked })} data-testid="inline-consent">
          已取得客户书面授权（《个人信息处理授权书》已签字）
        </Checkbox>
        {!value.on && entered.length > 0 && (
          <Typography.Text type="warning">
            已录入{entered.map((d) => DATA_KINDS.find((k) => k.value === d)?.label).join('、')}数据：保存前须取得客户授权。
          </Typography.Text>
        )}
        {value.on && (
          <>
            <Space wrap>
              <span>签署日期</span>
              <DatePicker
                value={value.obtained_on}
                allowClear={false}
                disabledDate={(d) => d.format('YYYY-MM-DD') > businessToday()}
                onChange={(d) => d && set({ obtained_on: d })}
                data-testid="inline-consent-date"
              />
              <Radio.Group options={METHODS} value={value.method} onChange={(e) => set({ method: e.target.value })} />
            </Space>
            <div>
              <Typography.Text type="secondary">授权用途（每项单独勾选）：</Typography.Text>
              <Checkbox.Group
                options={PURPOSES}
                value={value.purposes}
                onChange={(v) => set({ purposes: v as ConsentPurpose[] })}
                data-testid="inline-consent-purposes"
              />
            </div>
            <div>
              <Typography.Text type="secondary">授权的信息：</Typography.Text>
              <Checkbox.Group
                options={DATA_KINDS}
                value={value.data ?? (entered.length ? entered : ['credit_report', 'bank_flow'])}
                onChange={(v) => set({ data: v as ConsentData[] })}
              />
            </div>
          </>
        )}
      </Space>
    </Card>
  )
}
