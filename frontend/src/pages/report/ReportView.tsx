import type { ReactNode } from 'react'
import type { Diagnosis, Plan } from '../../api/types'
import { useBranding } from '../../branding/context'
import { BrandLogo } from '../../branding/BrandLogo'
import { ScoreRadar, type Scores } from '../../components/charts/ScoreRadar'
import { DIMENSIONS, fieldLabel } from '../../domain/labels'
import {
  bindingCap,
  blockingReason,
  compositionText,
  coverageText,
  gradeHex,
  gradeText,
  planCostText,
  wanText,
} from '../../components/diagnosis/figures'
import './report.css'

/** Plans beyond this many would push the report past two A4 pages; the rest are on the plan pages. */
const MAX_PLANS = 5

/** The one or two findings that cost the most points in a dimension. */
function topReasons(d: Diagnosis, dim: string): string[] {
  return d.findings
    .filter((f) => f.dimension === dim)
    .sort((a, b) => (a.points ?? 0) - (b.points ?? 0))
    .slice(0, 2)
    .map((f) => f.reason)
}

/** What the report names of the company: the same for the broker's page and a share link. */
export interface ReportCompany {
  name: string
  uscc?: string | null
  loan_demand_wan?: number | null
}

/**
 * The branded client report (two A4 pages when printed). Shown to the broker at
 * `/diagnoses/:id/report` and to the client through a share link (`/r/:token`).
 */
export function ReportView({
  diagnosis: diag,
  company: c,
  plans,
  contact,
  toolbar,
}: {
  diagnosis: Diagnosis
  company: ReportCompany
  /** The diagnosis' plans in the engine's order (value for cost and time). */
  plans: Plan[]
  contact: string
  toolbar: ReactNode
}) {
  const brand = useBranding()
  const ownPlans = plans.filter((p) => p.diagnosis_id === diag.id)
  const shownPlans = ownPlans.slice(0, MAX_PLANS)
  const eligible = diag.products.filter((p) => p.eligible)
  const blocked = diag.products.filter((p) => !p.eligible)
  const date = diag.created_at?.slice(0, 10)
  const coverage = coverageText(diag.demand_coverage_pct)
  const cap = bindingCap(diag)
  const grade = gradeText(diag.category, diag.repairable_in_months)

  return (
    <div className="report-shell">
      <div className="report-toolbar">{toolbar}</div>
      <article className="report-page" data-testid="report">
        <header className="report-head">
          <BrandLogo size={44} />
          <div style={{ flex: 1 }}>
            <div className="brand" data-testid="report-brand">
              {brand.brand_name}
            </div>
            <div style={{ color: '#86909c' }}>企业融资体检报告{contact && ` · ${contact}`}</div>
          </div>
        </header>
        <div className="report-client">
          <strong>{c.name}</strong>
          <span>统一社会信用代码：{c.uscc ?? '—'}</span>
          <span>报告日期：{date}</span>
        </div>

        <section className="report-verdict">
          <div className="report-grade">
            <div
              className={grade.length > 3 ? 'report-badge long' : 'report-badge'}
              style={{ background: gradeHex(diag.category) }}
              data-testid="report-category"
            >
              {grade}
            </div>
            {coverage && (
              <div className="report-coverage" data-testid="report-coverage">
                {coverage}
              </div>
            )}
          </div>
          <div>
            <div className="sentence">{diag.verdict}</div>
            <div className="report-figures" data-testid="report-figures">
              <span>
                综合可贷额度 <strong>{wanText(diag.recommended_wan)}元</strong>（组合申请）
              </span>
              <span>单一产品最高 {wanText(diag.single_best_wan)}元</span>
              {c.loan_demand_wan != null && <span>贷款需求 {wanText(c.loan_demand_wan)}元</span>}
              <span>综合得分 {diag.total.toFixed(1)} / 100</span>
            </div>
            {diag.combination.length > 0 && (
              <div data-testid="report-composition">组合构成：{compositionText(diag.combination)}</div>
            )}
            {cap && <div data-testid="report-cap">信用类合计上限：{cap}</div>}
            {diag.incomplete_facts.length > 0 && (
              <div className="report-no" data-testid="report-incomplete">
                资料待补充：{diag.incomplete_facts.join('、')}（补充后再评级）
              </div>
            )}
          </div>
        </section>

        {(diag.vetoes.length > 0 || diag.caps.length > 0) && (
          <section>
            <h2>关键限制</h2>
            <ul style={{ margin: 0, paddingLeft: 18 }}>
              {diag.vetoes.map((v) => (
                <li key={v.id} className="report-no">
                  {v.reason}
                </li>
              ))}
              {diag.caps.map((v) => (
                <li key={v.id}>{v.reason}</li>
              ))}
            </ul>
          </section>
        )}

        <section>
          <h2>六维评分</h2>
          <div className="report-dims">
            <ScoreRadar
              scores={diag.scores as Scores}
              color={brand.primary_color}
              height={230}
              animation={false}
            />
            <table className="report-table">
              <thead>
                <tr>
                  <th style={{ width: 48 }}>维度</th>
                  <th className="num" style={{ width: 44 }}>
                    得分
                  </th>
                  <th>主要原因</th>
                </tr>
              </thead>
              <tbody>
                {DIMENSIONS.map((dim) => {
                  const reasons = topReasons(diag, dim.key)
                  return (
                    <tr key={dim.key}>
                      <td>{dim.label}</td>
                      <td className="num">{Math.round(diag.scores[dim.key])}</td>
                      <td>{reasons.length ? reasons.join('；') : '表现良好'}</td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
          </div>
        </section>

        <section>
          <h2>贷款产品逐一测算</h2>
          <table className="report-table report-stack">
            <thead>
              <tr>
                <th>产品</th>
                <th>结论</th>
                <th className="num">单独预计</th>
                <th className="num">计入组合</th>
                <th>说明</th>
              </tr>
            </thead>
            <tbody>
              {eligible.map((p) => (
                <tr key={`e-${p.product_id}`}>
                  <td>{p.name}</td>
                  <td className="report-ok nowrap" data-label="结论">现在可申请</td>
                  <td className="num" data-label="单独预计">{wanText(p.estimated_wan)}元</td>
                  <td className="num" data-label="计入组合">{p.in_combination ? `${wanText(p.combined_wan)}元` : '—'}</td>
                  <td data-label="说明">{p.notes.join('；') || (p.in_combination ? '建议同时申请' : '—')}</td>
                </tr>
              ))}
              {blocked.map((p) => (
                <tr key={`b-${p.product_id}`} className="report-row-blocked">
                  <td>{p.name}</td>
                  <td className="report-no nowrap" data-label="结论">暂不符合</td>
                  <td className="num report-phone-hide">—</td>
                  <td className="num report-phone-hide">—</td>
                  <td data-label="原因">{blockingReason(p)}</td>
                </tr>
              ))}
              {diag.products.length === 0 && (
                <tr>
                  <td colSpan={5}>暂无匹配产品</td>
                </tr>
              )}
            </tbody>
          </table>
        </section>

        {shownPlans.length > 0 && (
          <section>
            <h2>提升路径</h2>
            <table className="report-table report-stack" data-testid="report-plans">
              <thead>
                <tr>
                  <th>方案</th>
                  <th>能带来什么</th>
                  <th>怎么做</th>
                  <th className="num">见效</th>
                  <th className="num">费用</th>
                  <th>分类</th>
                </tr>
              </thead>
              <tbody>
                {shownPlans.map((p) => (
                  <tr key={p.id}>
                    <td className="nowrap">{p.title}</td>
                    <td data-label="带来">
                      {p.scenario && <span className="report-scenario">情景测算</span>}
                      {p.headline}
                    </td>
                    <td data-label="怎么做">{p.changes.map((x) => `${x.label} ${x.from} → ${x.to}`).join('；') || p.gap}</td>
                    <td className="num" data-label="见效">{p.months_to_effect > 0 ? `约${p.months_to_effect}个月` : '立即'}</td>
                    <td className="num" data-label="费用">{planCostText(p)}</td>
                    <td className="nowrap" data-label="分类">
                      {gradeText(p.category_before)} → {gradeText(p.category_after)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {ownPlans.length > shownPlans.length && (
              <div className="report-note">另有 {ownPlans.length - shownPlans.length} 个方案，可向客户经理索取详情。</div>
            )}
          </section>
        )}

        {diag.missing_fields.length > 0 && (
          <section className="report-missing">
            <h2>资料待补充</h2>
            <div style={{ marginBottom: 4, color: '#4e5969' }}>以下信息本次按保守情况估算，补充后结果可能更好：</div>
            {diag.missing_fields.map((f) => (
              <span key={f}>{fieldLabel(f)}</span>
            ))}
          </section>
        )}

        <footer className="report-foot">
          <span>本报告为融资体检参考，不构成任何金融机构的授信承诺；额度为估算值，以金融机构审批为准。</span>
          <span>{date}</span>
        </footer>
      </article>
    </div>
  )
}
