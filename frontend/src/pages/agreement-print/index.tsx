import { useParams } from 'react-router'
import { useMe } from '../../auth/useAuth'
import { useBranding } from '../../branding/context'
import { PrintSheet } from '../../components/PrintSheet'
import { ErrorResult } from '../../components/ErrorResult'
import { PageSpin } from '../../components/PageSpin'
import { FEE_DUE_LABELS, feeText, useAgreement } from '../customers/components/agreementsApi'
import { useCustomer } from '../customers/hooks'
import './agreement.css'

const DEFAULT_SCOPE = '融资需求诊断、融资方案设计、协助甲方准备和整理申请资料、推荐并对接合适的贷款机构、跟进审批进度。'
const COMPLIANCE =
  '乙方不以任何银行或贷款机构的名义向甲方收取任何费用；贷款是否获批、额度、利率和期限以贷款机构的审批结果为准，乙方不承诺贷款一定获批，也不代甲方向贷款机构支付任何费用。'

/** 委托协议: the branded A4 agreement generated from the stored terms, printed to PDF by the browser. */
export default function AgreementPrintPage() {
  const params = useParams()
  const customerId = Number(params.id)
  const id = Number(params.aid)
  const brand = useBranding()
  const me = useMe()
  const a = useAgreement(id)
  const c = useCustomer(customerId)
  if (a.isPending || c.isPending) return <PageSpin />
  if (a.isError) return <ErrorResult error={a.error} onRetry={() => a.refetch()} />
  if (c.isError) return <ErrorResult error={c.error} onRetry={() => c.refetch()} />
  const ag = a.data
  const cu = c.data
  const today = new Date().toISOString().slice(0, 10)
  const dueText =
    ag.due_on === 'disbursement'
      ? '服务费仅在贷款实际发放后收取；贷款未发放的，乙方不收取任何费用，签约时不预收任何费用。'
      : '服务费在签订本协议时收取。'

  return (
    <PrintSheet back={`/customers/${customerId}?tab=agreements`} className="agreement-page" testId="agreement">
        <h1>融资咨询服务委托协议</h1>
        <div className="agreement-no">
          协议编号 WT-{String(ag.id).padStart(5, '0')} · {ag.signed_on ?? today}
        </div>

        <div className="parties">
          <div>
            <strong>甲方（委托人）：</strong>
            {cu.name}
            <br />
            统一社会信用代码：{cu.uscc ?? '—'}
            <br />
            法定代表人：{cu.legal_person ?? '—'}
          </div>
          <div>
            <strong>乙方（受托人）：</strong>
            {brand.brand_name}
            <br />
            经办人：{me.data?.display_name ?? '—'}
          </div>
        </div>

        <section>
          <h2>一、服务内容</h2>
          <p>甲方委托乙方为其提供以下服务：{ag.service_scope ?? DEFAULT_SCOPE}</p>
        </section>

        <section>
          <h2>二、服务费</h2>
          <table>
            <tbody>
              <tr>
                <th>收费方式</th>
                <td>{feeText(ag)}</td>
              </tr>
              <tr>
                <th>对应贷款</th>
                <td>{ag.application_institution ?? '甲方经乙方服务获得的全部贷款'}</td>
              </tr>
              <tr>
                <th>收取时间</th>
                <td>{FEE_DUE_LABELS[ag.due_on]}</td>
              </tr>
              {ag.disbursed_wan > 0 && (
                <tr>
                  <th>已放款 / 服务费</th>
                  <td>
                    {ag.disbursed_wan} 万元 / {ag.fee_wan} 万元
                  </td>
                </tr>
              )}
            </tbody>
          </table>
          <p>{dueText}</p>
        </section>

        <section>
          <h2>三、退费条款</h2>
          <p>{ag.refund_terms ?? '贷款未获发放的，乙方不收取服务费；已收取的，乙方在确认未获发放后 15 个工作日内全额退还。'}</p>
        </section>

        <section data-testid="agreement-rebates">
          <h2>四、佣金（返佣）披露</h2>
          {ag.rebates.length === 0 ? (
            <p>乙方声明：就本协议所涉贷款，乙方不从任何贷款机构或第三方收取佣金或返佣。</p>
          ) : (
            <>
              <p>乙方如实告知：就本协议所涉贷款，乙方将从以下机构获得佣金（返佣），该佣金不由甲方承担：</p>
              <table>
                <thead>
                  <tr>
                    <th>支付方</th>
                    <th>标准</th>
                    <th>金额（万元）</th>
                  </tr>
                </thead>
                <tbody>
                  {ag.rebates.map((r, i) => (
                    <tr key={i}>
                      <td>{r.payer}</td>
                      <td>{r.rate_pct != null ? `放款金额的 ${r.rate_pct}%` : '固定金额'}</td>
                      <td>{r.rebate_wan}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </section>

        <section>
          <h2>五、合规声明</h2>
          <p className="compliance" data-testid="agreement-compliance">
            {COMPLIANCE}
          </p>
          <p>甲方的个人信息和企业资料仅用于本协议约定的服务，未经甲方同意不向贷款机构以外的第三方提供。</p>
        </section>

        <div className="signatures">
          <div>
            <p>甲方（盖章）：<span className="line" /></p>
            <p>法定代表人或授权代表（签字）：<span className="line" /></p>
            <p>日期：<span className="line" /></p>
          </div>
          <div>
            <p>乙方（盖章）：<span className="line" /></p>
            <p>授权代表（签字）：<span className="line" /></p>
            <p>日期：<span className="line" /></p>
          </div>
        </div>
    </PrintSheet>
  )
}
