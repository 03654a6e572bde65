/**
 * Test data: diagnoses and plans shaped like the engine's v2 answers (taken from demo customers and
 * trimmed). Typed with the generated API types, so a schema change breaks the tests that use them.
 * Imported by tests only.
 */
import type { Diagnosis, Plan } from '../../api/types'

type Row = Diagnosis['products'][number]

const scores = { flow: 85, invoice_tax: 40, credit: 70, assets: 30, qualification: 90, industry: 95 }

function product(p: Partial<Row> & Pick<Row, 'product_id' | 'name' | 'family'>): Row {
  return {
    institution: null,
    is_example: false,
    eligible: false,
    estimated_wan: 0,
    in_combination: false,
    combined_wan: 0,
    blocking_gate: null,
    blocking_reason: null,
    blockers: [],
    notes: [],
    last_verified_on: null,
    ...p,
  }
}

const base = {
  id: 5,
  customer_id: 9,
  rules_version: 3,
  created_at: '2026-11-20T10:00:00Z',
  scores,
  total: 66.5,
  repairable_in_months: null,
  incomplete_facts: [],
  findings: [],
  vetoes: [],
  caps: [],
  missing_fields: [],
  products: [],
  recommended_wan: 0,
  single_best_wan: 0,
  combination: [],
  unsecured_cap_wan: null,
  unsecured_cap_arithmetic: null,
  cap_binding: false,
  demand_coverage_pct: null,
  verdict: '',
} satisfies Omit<Diagnosis, 'category'>

/** B: three products filed together under a binding unsecured cap; one product blocked by tax. */
export const combinedDiagnosis: Diagnosis = {
  ...base,
  category: 'B',
  findings: [
    { rule_id: 'TAX_AMT', dimension: 'invoice_tax', points: -20, reason: '近12个月纳税不足3万，达不到主流税贷门槛' },
    { rule_id: 'FLOW_MONTHLY', dimension: 'flow', points: 85, reason: '对公流水月均60万元' },
    { rule_id: 'RISK_CUT', dimension: 'credit', points: -10, reason: '信用卡使用率85%，负债压力偏大' },
  ],
  caps: [{ id: 'K2_3M', reason: '近3个月征信查询超过6次' }],
  missing_fields: ['card_utilization_pct'],
  products: [
    product({
      product_id: 'webank_weiyedai',
      name: '微众微业贷',
      family: 'credit_loan',
      institution: '微众银行',
      eligible: true,
      estimated_wan: 120,
      in_combination: true,
      combined_wan: 120,
      last_verified_on: '2026-10-15',
    }),
    product({
      product_id: 'invoice_loan',
      name: '票贷（通用）',
      family: 'invoice_loan',
      eligible: true,
      estimated_wan: 80,
      in_combination: true,
      combined_wan: 50.5,
      notes: ['信用卡使用率偏高，信用类额度按85%测算'],
    }),
    product({
      product_id: 'mortgage_loan',
      name: '抵押经营贷（通用）',
      family: 'mortgage',
      eligible: true,
      estimated_wan: 210,
      in_combination: true,
      combined_wan: 210,
    }),
    product({ product_id: 'flow_loan', name: '流水贷（通用）', family: 'flow_loan', eligible: true, estimated_wan: 40 }),
    product({
      product_id: 'ccb_yunshuidai',
      name: '建行云税贷',
      family: 'tax_loan',
      institution: '建设银行',
      blocking_gate: 'min_annual_tax',
      blocking_reason: '近12个月纳税额2.7万元，低于产品门槛3万元',
      blockers: [
        { gate: 'min_annual_tax', kind: 'improvable', months: 12, reason: '近12个月纳税额2.7万元，低于产品门槛3万元' },
        { gate: 'max_inquiries', kind: 'wait', months: 2, reason: '近3个月征信查询7次，超过产品上限6次' },
      ],
    }),
  ],
  recommended_wan: 380.5,
  single_best_wan: 210,
  combination: [
    { product_id: 'mortgage_loan', name: '抵押经营贷（通用）', family: 'mortgage', amount_wan: 210 },
    { product_id: 'webank_weiyedai', name: '微众微业贷', family: 'credit_loan', amount_wan: 120 },
    { product_id: 'invoice_loan', name: '票贷（通用）', family: 'invoice_loan', amount_wan: 50.5 },
  ],
  unsecured_cap_wan: 170.5,
  unsecured_cap_arithmetic: '25% × 申报收入900万元 − 已有信用类经营贷54.5万元 = 170.5万元',
  cap_binding: true,
  demand_coverage_pct: 190.25,
  verdict:
    '目前可申请抵押贷、信用贷、票贷类产品，预计额度 266–381 万元；信用类合计按上限测算：25% × 申报收入900万元 − 已有信用类经营贷54.5万元 = 170.5万元',
}

/** C: nothing eligible now, a tax-credit repair unlocks tax products in about 3 months. */
export const repairableDiagnosis: Diagnosis = {
  ...base,
  id: 6,
  category: 'C',
  repairable_in_months: 3,
  products: [
    product({
      product_id: 'tax_loan',
      name: '税贷（通用）',
      family: 'tax_loan',
      blocking_gate: 'tax_grade_in',
      blocking_reason: '纳税信用C级，产品要求A级/B级',
      blockers: [{ gate: 'tax_grade_in', kind: 'improvable', months: 3, reason: '纳税信用C级，产品要求A级/B级' }],
    }),
    product({
      product_id: 'mortgage_loan',
      name: '抵押经营贷（通用）',
      family: 'mortgage',
      blocking_gate: 'collateral_held_months',
      blocking_reason: '没有可抵押的房产或土地',
      blockers: [{ gate: 'collateral_held_months', kind: 'permanent', months: null, reason: '没有可抵押的房产或土地' }],
    }),
  ],
  verdict: '暂不符合主流经营贷准入条件：纳税信用C级，产品要求A级/B级（可修复，约3个月）',
}

/** C with a veto: every product is blocked by something no plan can change. */
export const permanentDiagnosis: Diagnosis = {
  ...base,
  id: 7,
  category: 'C',
  vetoes: [{ id: 'V6', reason: '所属行业为银行普遍禁入行业（房地产/类金融/娱乐场所/高污染等）' }],
  products: [
    product({
      product_id: 'tax_loan',
      name: '税贷（通用）',
      family: 'tax_loan',
      blocking_gate: 'industry_not_in',
      blocking_reason: '所属行业为禁入行业，该产品不受理',
      blockers: [{ gate: 'industry_not_in', kind: 'permanent', months: null, reason: '所属行业为禁入行业，该产品不受理' }],
    }),
    product({
      product_id: 'mortgage_loan',
      name: '抵押经营贷（通用）',
      family: 'mortgage',
      blocking_gate: 'collateral_held_months',
      blocking_reason: '没有可抵押的房产或土地',
      blockers: [
        { gate: 'collateral_held_months', kind: 'permanent', months: null, reason: '没有可抵押的房产或土地' },
        { gate: 'industry_not_in', kind: 'permanent', months: null, reason: '所属行业为禁入行业，该产品不受理' },
      ],
    }),
  ],
  verdict: '暂不符合主流经营贷准入条件：所属行业为银行普遍禁入行业（房地产/类金融/娱乐场所/高污染等）',
}

/** 资料待补充: the facts that decide eligibility are unknown. */
export const incompleteDiagnosis: Diagnosis = {
  ...base,
  id: 8,
  category: 'incomplete',
  incomplete_facts: ['经营规模', '征信情况'],
  missing_fields: ['annual_tax_wan', 'annual_invoice_wan', 'monthly_flow_wan'],
  products: [
    product({
      product_id: 'tax_loan',
      name: '税贷（通用）',
      family: 'tax_loan',
      blocking_gate: 'min_annual_tax',
      blocking_reason: '资料待补充：未提供近12个月纳税额，无法判断',
      blockers: [{ gate: 'min_annual_tax', kind: 'missing', months: null, reason: '资料待补充：未提供近12个月纳税额，无法判断' }],
    }),
  ],
  verdict: '资料待补充：经营规模、征信情况未知，补充后再评级',
}

/** A: strong file, nothing to improve. */
export const strongDiagnosis: Diagnosis = {
  ...combinedDiagnosis,
  id: 10,
  category: 'A',
  caps: [],
  total: 85,
}

export function plan(p: Partial<Plan> & Pick<Plan, 'id' | 'kind' | 'title' | 'headline'>): Plan {
  return {
    customer_id: 9,
    diagnosis_id: 5,
    status: 'pending',
    scenario: false,
    gap: '',
    changes: [],
    tasks: [],
    provider_category: null,
    providers: [],
    cost_min_wan: 0,
    cost_max_wan: 0,
    months_to_effect: 3,
    estimated_increase_wan: 0,
    gain_from_waiting_wan: 0,
    recommended_before_wan: 380.5,
    recommended_after_wan: 380.5,
    category_before: 'B',
    category_after: 'B',
    total_before: 66.5,
    total_after: 66.5,
    fixes_vetoes: [],
    product_changes: [],
    unlocks: [],
    combination_after: [],
    created_at: '2026-11-20T10:01:00Z',
    updated_at: '2026-11-20T10:01:00Z',
    ...p,
  }
}

/** An unlock whose combined Δ is 0 (the cap is full): its worth is the unlock, never "+0 万". */
export const unlockPlan = plan({
  id: 1,
  kind: 'tax_increase',
  title: '纳税提升',
  headline: '解锁：建行云税贷 0→18万',
  gap: '近12个月纳税额：2.7万元 → 3万元',
  changes: [{ field: 'annual_tax_wan', label: '近12个月纳税额', from: '2.7万元', to: '3万元' }],
  cost_min_wan: 0.3,
  cost_max_wan: 1,
  months_to_effect: 12,
  provider_category: 'tax_agency',
  product_changes: [{ product_id: 'ccb_yunshuidai', name: '建行云税贷', before_wan: 0, after_wan: 18 }],
  unlocks: [{ product_id: 'ccb_yunshuidai', name: '建行云税贷', before_wan: 0, after_wan: 18 }],
  combination_after: combinedDiagnosis.combination,
  fixes_vetoes: ['V4'],
})

/** A revenue-driven scenario that raises the combined amount. */
export const scenarioPlan = plan({
  id: 2,
  kind: 'invoice_increase',
  title: '开票提升',
  headline: '综合额度 +25万',
  scenario: true,
  gap: '若真实营收增长到1000万元：开票900万元 → 1000万元',
  changes: [{ field: 'annual_invoice_wan', label: '近12个月开票额', from: '900万元', to: '1000万元' }],
  cost_min_wan: 2.4,
  cost_max_wan: 3.1,
  months_to_effect: 6,
  estimated_increase_wan: 25,
  recommended_after_wan: 405.5,
  category_after: 'A',
  product_changes: [{ product_id: 'invoice_loan', name: '票贷（通用）', before_wan: 50.5, after_wan: 75.5 }],
  combination_after: [
    { product_id: 'mortgage_loan', name: '抵押经营贷（通用）', family: 'mortgage', amount_wan: 210 },
    { product_id: 'webank_weiyedai', name: '微众微业贷', family: 'credit_loan', amount_wan: 120 },
    { product_id: 'invoice_loan', name: '票贷（通用）', family: 'invoice_loan', amount_wan: 75.5 },
  ],
})

/** Internal keys that must never reach a broker or a client. */
const INTERNAL_IDS = [
  'K2_3M',
  'V4',
  'V6',
  'TAX_AMT',
  'RISK_CUT',
  'FLOW_MONTHLY',
  'min_annual_tax',
  'tax_grade_in',
  'collateral_held_months',
  'industry_not_in',
  'max_inquiries',
  'ccb_yunshuidai',
  'webank_weiyedai',
  'mortgage_loan',
  'invoice_loan',
  'tax_loan',
  'credit_loan',
  'improvable',
  'permanent',
  'incomplete',
  'tax_agency',
  'card_utilization_pct',
]

/** The internal ids and technical figures found in a rendered text (expected: none). */
export function internalIdsIn(text: string): string[] {
  const found = INTERNAL_IDS.filter((id) => new RegExp(`(^|[^A-Za-z0-9_])${id}($|[^A-Za-z0-9_])`).test(text))
  for (const re of [/规则版本/, /用时/, /\d+\s*ms\b/, /#\d+/, /\+0\s*万/]) if (re.test(text)) found.push(re.source)
  return found
}
