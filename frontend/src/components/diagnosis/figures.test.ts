import { describe, expect, it } from 'vitest'
import { bindingCap, blockerNote, blockerText, compositionText, coverageText, gradeText, noPlanAdvice, verifiedText, wanText } from './figures'
import {
  combinedDiagnosis,
  incompleteDiagnosis,
  internalIdsIn,
  permanentDiagnosis,
  repairableDiagnosis,
  strongDiagnosis,
} from './fixtures'

describe('diagnosis figures in words', () => {
  it('words the grade without the demand in it', () => {
    expect(gradeText('A')).toBe('A类')
    expect(gradeText('C')).toBe('C类')
    expect(gradeText('C', 3)).toBe('C（可修复，约3个月）')
    expect(gradeText('incomplete')).toBe('资料待补充')
    expect(coverageText(64.6)).toBe('覆盖贷款需求 65%')
    expect(coverageText(null)).toBeNull()
  })

  it('words amounts, composition and verification', () => {
    expect(wanText(662.7)).toBe('662.7万')
    expect(wanText(18)).toBe('18万')
    expect(wanText(1 / 3)).toBe('0.33万')
    expect(compositionText(combinedDiagnosis.combination)).toBe('抵押经营贷（通用） 210万 + 微众微业贷 120万 + 票贷（通用） 50.5万')
    expect(verifiedText({ last_verified_on: null, institution: null })).toBe('通用参考，未核实')
    expect(verifiedText({ last_verified_on: '2026-10-15', institution: '微众银行' })).toBe('核实于 2026-10-15')
    expect(blockerNote({ kind: 'wait', months: 4 })).toBe('需等待约4个月')
    expect(blockerNote({ kind: 'permanent', months: null })).toBe('无法通过改造解决')
    expect(blockerText({ kind: 'missing', months: null, reason: '资料待补充：未提供对公流水月均' })).toBe('资料待补充：未提供对公流水月均')
    expect(blockerText({ kind: 'wait', months: 3, reason: '厂房持有9个月' })).toBe('厂房持有9个月（需等待约3个月）')
  })

  it('shows the cap when it binds, or when eligible products get nothing because of it', () => {
    expect(bindingCap(combinedDiagnosis)).toContain('= 170.5万元')
    expect(bindingCap({ ...combinedDiagnosis, cap_binding: false })).toBeNull()
    const wiped = { ...combinedDiagnosis, cap_binding: false, recommended_wan: 0, combination: [] }
    expect(bindingCap(wiped)).toContain('已有信用类经营贷')
  })

  it('tells the broker why no plan was made and what to do', () => {
    expect(noPlanAdvice(strongDiagnosis).title).toBe('资质良好，暂无需要改造的项目')
    const permanent = noPlanAdvice(permanentDiagnosis)
    expect(permanent.title).toContain('禁入行业')
    expect(permanent.details).toEqual(['所属行业为禁入行业，该产品不受理（无法通过改造解决）', '没有可抵押的房产或土地（无法通过改造解决）'])
    expect(permanent.action).toContain('无法通过改造解决')
    const waiting = noPlanAdvice({
      ...repairableDiagnosis,
      repairable_in_months: null,
      products: [
        {
          ...repairableDiagnosis.products[0],
          blockers: [{ gate: 'max_inquiries', kind: 'wait', months: 4, reason: '近6个月征信查询12次，超过产品上限10次' }],
        },
      ],
    })
    expect(waiting.details).toEqual(['近6个月征信查询12次，超过产品上限10次（需等待约4个月）'])
    expect(waiting.action).toBe('需等待约4个月，限制解除后重新诊断')
    const incomplete = noPlanAdvice(incompleteDiagnosis)
    expect(incomplete.action).toContain('先补充资料')
    expect(incomplete.details).toEqual(['缺少：经营规模、征信情况'])
    const capped = noPlanAdvice({ ...combinedDiagnosis, category: 'C', recommended_wan: 0, combination: [], caps: [] })
    expect(capped.details[0]).toContain('= 170.5万元')
  })

  it('finds internal ids in rendered text', () => {
    expect(internalIdsIn('封顶 · K2_3M；规则版本 v3；用时 38 ms；客户 #201；预计提额 +0 万')).toEqual([
      'K2_3M',
      '规则版本',
      '用时',
      '\\d+\\s*ms\\b',
      '#\\d+',
      '\\+0\\s*万',
    ])
    expect(internalIdsIn('近12个月纳税额2.7万元，低于产品门槛3万元')).toEqual([])
  })
})
