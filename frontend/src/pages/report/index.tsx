import { useNavigate, useParams } from 'react-router'
import { Button } from 'antd'
import { ArrowLeftOutlined, PrinterOutlined } from '@ant-design/icons'
import type { Diagnosis, Plan } from '../../api/types'
import { useBranding } from '../../branding/context'
import { BrandLogo } from '../../branding/BrandLogo'
import { useMe } from '../../auth/useAuth'
import { ScoreRadar, type Scores } from '../../components/charts/ScoreRadar'
import { PageSpin } from '../../components/PageSpin'
import { ErrorResult } from '../../components/ErrorResult'
import { DIMENSIONS, fieldLabel } from '../../domain/labels'
import { useCustomer } from '../customers/hooks'
import { useDiagnosis } from '../diagnosis/hooks'
import { useCustomerPlans } from '../plans/hooks'
import './report.css'

const BADGE: Record<string, string> = { A: '#00a854', B: '#f5a623', C: '#d0342c' }

/** The one or two findings that cost the most points in a dimension. */
function topReasons(d: Diagnosis, dim: string): string[] {
  return d.findings
    .filter((f) => f.dimension === dim)
    .sort((a, b) => (a.points ?? 0) - (b.points ?? 0))
    .slice(0, 2)
    .map((f) => f.reason)
}

export default function ReportPage() {
  const id = Number(useParams().id)
  const navigate = useNavigate()
  const brand = useBranding()
  const me = useMe()
  const d = useDiagnosis(id)
  const customer = useCustomer(d.data?.customer_id)
  const plans = useCustomerPlans(d.data?.customer_id ?? 0)

  if (d.isPending || (d.data && customer.isPending)) return <PageSpin />
  if (d.isError) return <ErrorResult error={d.error} onRetry={() => d.refetch()} />
  if (customer.isError) return <ErrorResult error={customer.error} onRetry={() => customer.refetch()} />
  const diag = d.data
  const c = customer.data!
  const ownPlans: Plan[] = (plans.data ?? [])
    .filter((p) => p.diagnosis_id == null || p.diagnosis_id === diag.id)
    .sort((a, b) => (b.estimated_increase_wan ?? 0) - (a.estimated_increase_wan ?? 0))
  const eligible = diag.products.filter((p) => p.eligible)
  const blocked = diag.products.filter((p) => !p.eligible)
  const date = diag.created_at?.slice(0, 10)
  const contact = [me.data?.display_name ? `客户经理：${me.data.display_name}` : null].filter(Boolean).join(' · ')

  return (
    <div className="report-shell">
      <div className="report-toolbar">
        <Button icon={<ArrowLeftOutlined />} onClick={() => navigate(`/diagnoses/${diag.id}`)}>
          返回
        </Button>
        <Button type="primary" icon={<PrinterOutlined />} onClick={() => window.print()}>
          打印 / 保存为 PDF
        </Button>
      </div>
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
          <div className="report-badge" style={{ background: BADGE[diag.category] ?? '#888' }} data-testid="report-category">
            {diag.category}
          </div>
          <div>
            <div className="sentence">{diag.verdict}</div>
            <div style={{ color: '#4e5969' }}>
              综合得分 {diag.total.toFixed(1)} / 100 · 建议额度 {diag.recommended_wan} 万元
              {c.loan_demand_wan != null && ` · 需求 ${c.loan_demand_wan} 万元`}
            </div>
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
          <h2>可申请的贷款产品</h2>
          <table className="report-table">
            <thead>
              <tr>
                <th>产品</th>
                <th>结论</th>
                <th className="num">预计额度</th>
                <th>说明</th>
              </tr>
            </thead>
            <tbody>
              {eligible.map((p) => (
                <tr key={`e-${p.product_id}`}>
                  <td>{p.name}</td>
                  <td className="report-ok">现在可申请</td>
                  <td className="num">{p.estimated_wan} 万元</td>
                  <td>—</td>
                </tr>
              ))}
              {blocked.map((p) => (
                <tr key={`b-${p.product_id}`}>
                  <td>{p.name}</td>
                  <td className="report-no">暂不符合</td>
                  <td className="num">—</td>
                  <td>{p.blocking_reason ?? p.blocking_gate ?? '—'}</td>
                </tr>
              ))}
              {diag.products.length === 0 && (
                <tr>
                  <td colSpan={4}>暂无匹配产品</td>
                </tr>
              )}
            </tbody>
          </table>
        </section>

        {ownPlans.length > 0 && (
          <section>
            <h2>提升路径</h2>
            <table className="report-table">
              <thead>
                <tr>
                  <th>方案</th>
                  <th>怎么做</th>
                  <th className="num">见效</th>
                  <th className="num">预计提额</th>
                  <th>分类</th>
                </tr>
              </thead>
              <tbody>
                {ownPlans.map((p) => (
                  <tr key={p.id}>
                    <td>{p.title}</td>
                    <td>{p.changes.map((c) => `${c.label} ${c.from} → ${c.to}`).join('；') || p.gap}</td>
                    <td className="num">{p.months_to_effect} 个月</td>
                    <td className="num">{p.estimated_increase_wan != null ? `+${p.estimated_increase_wan} 万` : '—'}</td>
                    <td>
                      {p.category_before ?? '?'} → {p.category_after ?? '?'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
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
          <span>
            规则版本 v{diag.rules_version} · {date}
          </span>
        </footer>
      </article>
    </div>
  )
}
