/**
 * How a diagnosis' v2 figures read to a broker and a client. Every page that shows a diagnosis
 * (diagnosis, simulator, plan, report, history) words them through these helpers, so the grade,
 * the combined amount and its composition read the same everywhere.
 */
import type { DiagnosisResult, Plan } from '../../api/types'
import { CATEGORY_COLORS, CATEGORY_LABELS, CATEGORY_OPTIONS, labelOf } from '../../domain/labels'

export type Category = DiagnosisResult['category']
export type ProductRow = DiagnosisResult['products'][number]
export type Blocker = ProductRow['blockers'][number]
export type CombinationItem = DiagnosisResult['combination'][number]

/** 662.7 → "662.7万"; at most two decimals, none when whole. */
export function wanText(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '—'
  return `${Number(v.toFixed(2))}万`
}

/**
 * The grade as the broker says it: "A类", "资料待补充", "C（可修复，约3个月）". Demand coverage is
 * deliberately not part of it (it is shown beside the grade).
 */
export function gradeText(category: Category | string | null | undefined, repairableInMonths?: number | null): string {
  if (!category) return '未诊断'
  if (category === 'C' && repairableInMonths != null) return `C（可修复，约${repairableInMonths}个月）`
  return labelOf(CATEGORY_OPTIONS, category)
}

/** The category's explanation from the vocabulary, e.g. "A类：资质良好，可直接申请". */
export function gradeHint(category: string | null | undefined): string | undefined {
  return category ? CATEGORY_LABELS[category] : undefined
}

/** The category colours as hex for the printed report, where antd's palette is not available. */
const GRADE_HEX: Record<string, string> = { A: '#00a854', B: '#f5a623', C: '#d0342c', incomplete: '#1677ff' }

export function gradeColor(category: string | null | undefined): string {
  return (category && CATEGORY_COLORS[category]) || 'default'
}

export function gradeHex(category: string | null | undefined): string {
  return (category && GRADE_HEX[category]) || '#888'
}

/** "覆盖贷款需求 65%" — null when the demand is unknown. */
export function coverageText(pct: number | null | undefined): string | null {
  return pct == null || !Number.isFinite(pct) ? null : `覆盖贷款需求 ${Math.round(pct)}%`
}

/** "微众微业贷 300万 + 票贷（通用） 200万". */
export function compositionText(items: readonly CombinationItem[]): string {
  return items.map((i) => `${i.name} ${wanText(i.amount_wan)}`).join(' + ')
}

/**
 * The cap's arithmetic when it is what limits the combined amount: when the engine says it binds,
 * and also when products are eligible yet nothing can be added (existing loans use up the cap).
 */
export function bindingCap(d: DiagnosisResult): string | null {
  if (!d.unsecured_cap_arithmetic) return null
  const wipedOut = d.recommended_wan <= 0 && d.products.some((p) => p.eligible)
  return d.cap_binding || wipedOut ? d.unsecured_cap_arithmetic : null
}

/**
 * What it takes to clear a blocker, in words. The vocabulary has no entry for BlockerKind yet, so
 * the wording lives here, once.
 */
export function blockerNote(b: Pick<Blocker, 'kind' | 'months'>): string | null {
  switch (b.kind) {
    case 'permanent':
      return '无法通过改造解决'
    case 'wait':
      return b.months != null ? `需等待约${b.months}个月` : '需等待'
    case 'improvable':
      return b.months != null ? `可改造，约${b.months}个月` : '可改造'
    case 'missing':
      return '资料待补充'
    default:
      return null
  }
}

/** "纳税信用C级…（可改造，约3个月）"; the note is left out when the reason already says it. */
export function blockerText(b: Pick<Blocker, 'kind' | 'months' | 'reason'>): string {
  const note = blockerNote(b)
  return note && !b.reason.includes(note) ? `${b.reason}（${note}）` : b.reason
}

/** The one reason a product is not available now: the binding blocker, in words. */
export function blockingReason(p: ProductRow): string {
  return p.blocking_reason || p.blockers[0]?.reason || '暂不符合准入条件'
}

/** When the product's conditions were last checked; generic products are references only. */
export function verifiedText(p: Pick<ProductRow, 'last_verified_on' | 'institution'>): string {
  if (p.last_verified_on) return `核实于 ${p.last_verified_on}`
  return p.institution ? '条件未核实' : '通用参考，未核实'
}

/** "3 个月" / "0.2–0.8 万元" / "免费" for a plan. */
export function planCostText(p: Pick<Plan, 'cost_min_wan' | 'cost_max_wan'>): string {
  if (p.cost_max_wan <= 0) return '无额外费用'
  return p.cost_min_wan === p.cost_max_wan ? `约${wanText(p.cost_min_wan)}元` : `${Number(p.cost_min_wan.toFixed(2))}–${wanText(p.cost_max_wan)}元`
}

export interface NoPlanAdvice {
  /** Why there is nothing to improve. */
  title: string
  /** The facts behind it (blockers, cap arithmetic, missing facts), in words. */
  details: string[]
  /** What the broker does next. */
  action: string
}

/** Distinct binding blockers across products, permanent ones first, then the longest wait. */
function bindingBlockers(d: DiagnosisResult): Blocker[] {
  const rank: Record<string, number> = { permanent: 0, wait: 1, improvable: 2, missing: 3, amount: 4 }
  const seen = new Map<string, Blocker>()
  for (const p of d.products) {
    const b = p.blockers[0]
    if (!p.eligible && b && !seen.has(b.reason)) seen.set(b.reason, b)
  }
  return [...seen.values()].sort((a, b) => (rank[a.kind] ?? 9) - (rank[b.kind] ?? 9) || (b.months ?? 0) - (a.months ?? 0))
}

/**
 * Why plan generation found nothing worth proposing, and what to do instead. Built from the
 * diagnosis the plans were generated from, so it names the blocker that really binds.
 */
export function noPlanAdvice(d: DiagnosisResult): NoPlanAdvice {
  if (d.category === 'incomplete') {
    return {
      title: '资料待补充，暂时无法判断需要改造什么',
      details: d.incomplete_facts.length ? [`缺少：${d.incomplete_facts.join('、')}`] : [],
      action: '先补充资料，再重新诊断并生成方案',
    }
  }
  const cap = bindingCap(d)
  if (d.category === 'C') {
    if (cap && d.recommended_wan <= 0) {
      return {
        title: '产品准入条件已满足，但已有信用类经营贷占满了可新增额度',
        details: [cap],
        action: '结清或压降部分已有信用类经营贷后重新诊断；当前没有可通过改造提高的额度',
      }
    }
    const blockers = bindingBlockers(d)
    const shown = blockers.slice(0, 3)
    const details = shown.map(blockerText)
    const longestWait = Math.max(0, ...blockers.filter((b) => b.kind === 'wait').map((b) => b.months ?? 0))
    const allPermanent = shown.length > 0 && shown.every((b) => b.kind === 'permanent')
    return {
      title: d.vetoes[0]?.reason ?? '目前没有可申请的产品，也没有能解锁产品的改造项目',
      details,
      action: allPermanent
        ? '以上限制无法通过改造解决，暂不建议为该客户申请经营贷'
        : longestWait > 0
          ? `需等待约${longestWait}个月，限制解除后重新诊断`
          : '需等待限制解除后重新诊断；改造成本或时间超出合理范围的项目不作推荐',
    }
  }
  if (d.category === 'A') {
    return { title: '资质良好，暂无需要改造的项目', details: cap ? [`信用类合计上限：${cap}`] : [], action: '可直接按推荐组合申请' }
  }
  return {
    title: '暂无能解锁产品或提高综合额度的改造项目',
    details: [...(cap ? [`综合额度已达信用类合计上限：${cap}`] : []), ...d.caps.map((c) => c.reason)],
    action: '可按当前推荐组合申请',
  }
}
