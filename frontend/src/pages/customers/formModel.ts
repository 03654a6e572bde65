import dayjs, { type Dayjs } from 'dayjs'
import type { Customer, CustomerInput } from '../../api/types'
import { FIELDS, type Field } from '../../domain/labels'

/** The catalogue's date facts (held as Dayjs by the form). */
type DateKey = Extract<Field, { kind: 'date' }>['key']
const DATE_KEYS = FIELDS.filter((f) => f.kind === 'date').map((f) => f.key as DateKey)

/** The form holds dates as Dayjs; everything else as in the API. `null` = unknown. */
export type CollateralForm = Omit<NonNullable<CustomerInput['collaterals']>[number], 'held_since'> & {
  held_since?: Dayjs | null
}
export type CustomerFormValues = Omit<CustomerInput, DateKey | 'collaterals'> & {
  [K in DateKey]?: Dayjs | null
} & {
  collaterals?: CollateralForm[]
}

const d = (s?: string | null) => (s ? dayjs(s) : null)
const s = (v?: Dayjs | null) => (v ? v.format('YYYY-MM-DD') : null)

export function toFormValues(c: Customer): CustomerFormValues {
  const { id: _id, created_at: _c, updated_at: _u, deleted_at: _d, latest_category: _lc, latest_total: _lt, ...rest } =
    c as Customer & Record<string, unknown>
  for (const k of ['latest_recommended_wan', 'latest_diagnosis_id']) delete (rest as Record<string, unknown>)[k]
  const dates = Object.fromEntries(DATE_KEYS.map((k) => [k, d(c[k])]))
  return {
    ...(rest as unknown as Omit<CustomerInput, DateKey>),
    ...dates,
    collaterals: (c.collaterals ?? []).map((x) => ({ ...x, held_since: d(x.held_since) })),
  }
}

/** Empty strings become null so "not filled in" is sent as unknown, never as 0 or "". */
export function fromFormValues(v: CustomerFormValues): CustomerInput {
  const out: Record<string, unknown> = {}
  for (const [k, val] of Object.entries(v)) {
    out[k] = val === undefined || (typeof val === 'string' && val.trim() === '') ? null : val
  }
  for (const k of DATE_KEYS) out[k] = s(v[k])
  out.collaterals = (v.collaterals ?? []).map((x) => {
    const o: Record<string, unknown> = {}
    for (const [k, val] of Object.entries(x ?? {})) o[k] = val === undefined || val === '' ? null : val
    o.held_since = s(x?.held_since)
    return o
  })
  if (!out.stage) delete out.stage
  return out as unknown as CustomerInput
}
