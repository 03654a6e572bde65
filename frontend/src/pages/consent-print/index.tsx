import { useParams, useSearchParams } from 'react-router'
import { useMe } from '../../auth/useAuth'
import { useBranding } from '../../branding/context'
import { PrintSheet } from '../../components/PrintSheet'
import { ErrorResult } from '../../components/ErrorResult'
import { PageSpin } from '../../components/PageSpin'
import { DATA_KINDS, PURPOSES, methodLabel, useConsents } from '../customers/components/consentsApi'
import { useCustomer } from '../customers/hooks'
import '../agreement-print/agreement.css'
import './consent.css'

/** What each purpose means, printed next to its own tick box (PIPL Art. 29 and 23: separate consent). */
const PURPOSE_TEXT: Record<string, string> = {
  assessment: '用于评估企业及其法定代表人的融资条件，出具融资诊断报告和改造方案。',
  lender_submission:
    '将下列信息提供给本人/本企业选定并申请贷款的银行或其他持牌金融机构，由其用于贷款审批（接收方名称、联系方式在进件前另行告知）。',
  provider_referral: '将必要的信息提供给本人/本企业同意对接的财税、担保、评估、抵押登记等服务机构，用于其提供相应服务。',
}

const DATA_TEXT: Record<string, string> = {
  credit_report: '企业及法定代表人的征信报告和其中的逾期、查询、负债记录',
  bank_flow: '企业对公账户及经营相关个人账户的银行流水',
  id_document: '法定代表人、股东的身份证件',
}

function Box({ ticked }: { ticked: boolean }) {
  return <span className={`tick${ticked ? ' on' : ''}`}>{ticked ? '✓' : ''}</span>
}

/** 个人信息处理授权书: the branded A4 consent form, blank or filled from a recorded consent, printed by the browser. */
export default function ConsentPrintPage() {
  const params = useParams()
  const customerId = Number(params.id)
  const [sp] = useSearchParams()
  const consentId = sp.get('consent') ? Number(sp.get('consent')) : null
  const brand = useBranding()
  const me = useMe()
  const c = useCustomer(customerId)
  const list = useConsents(customerId)
  if (c.isPending || (consentId != null && list.isPending)) return <PageSpin />
  if (c.isError) return <ErrorResult error={c.error} onRetry={() => c.refetch()} />
  if (consentId != null && list.isError) return <ErrorResult error={list.error} onRetry={() => list.refetch()} />
  const cu = c.data
  const recorded = consentId != null ? list.data?.find((x) => x.id === consentId) : undefined
  const ticked = (set: readonly string[] | undefined, code: string) => !!set?.includes(code)

  return (
    <PrintSheet back={`/customers/${customerId}?tab=consents`} className="agreement-page consent-page" testId="consent-form">
        <h1>个人信息处理授权书</h1>
        <div className="agreement-no">
          {recorded
            ? `授权编号 SQ-${String(recorded.id).padStart(5, '0')} · ${methodLabel(recorded.method)} · ${recorded.obtained_on}${recorded.valid ? '' : ' · 已撤回'}`
            : '请授权人逐项勾选后签字'}
        </div>

        <div className="parties">
          <div>
            <strong>授权人：</strong>
            {cu.legal_person ?? <span className="line" />}（法定代表人）
            <br />
            所在企业：{cu.name}
            <br />
            统一社会信用代码：{cu.uscc ?? '—'}
          </div>
          <div>
            <strong>个人信息处理者（被授权人）：</strong>
            {brand.brand_name}
            <br />
            经办人：{me.data?.display_name ?? '—'}
          </div>
        </div>

        <p>
          根据《中华人民共和国个人信息保护法》，{brand.brand_name}
          （下称“我们”）在为授权人及其企业提供融资咨询服务时需要处理下列个人信息，其中征信、银行流水、身份证件属于敏感个人信息，
          一旦泄露或被非法使用，可能导致人格尊严受到侵害或人身、财产安全受到危害。我们仅在取得您的单独同意后、在下列目的的必要范围内处理，
          并采取加密存储、权限控制、操作留痕等措施保护。
        </p>

        <section data-testid="consent-purposes-print">
          <h2>一、处理目的（请逐项单独勾选，未勾选的不得处理）</h2>
          {PURPOSES.map((p) => (
            <p key={p.value} className="choice">
              <Box ticked={ticked(recorded?.purposes, p.value)} />
              <strong>{p.label}</strong>：{PURPOSE_TEXT[p.value]}
            </p>
          ))}
          <p className="hint">向金融机构提交、向服务商推荐均属于向第三方提供个人信息，需要您就每一项单独同意；仅勾选“诊断评估”的，我们不会向任何第三方提供。</p>
        </section>

        <section>
          <h2>二、处理的个人信息（请勾选）</h2>
          {DATA_KINDS.map((d) => (
            <p key={d.value} className="choice">
              <Box ticked={ticked(recorded?.data, d.value)} />
              <strong>{d.label}</strong>：{DATA_TEXT[d.value]}
            </p>
          ))}
        </section>

        <section>
          <h2>三、保存期限</h2>
          <p>
            自本授权签署之日起，至委托服务结束后三年，或法律、行政法规要求的更长期限；期限届满或您撤回同意后，我们将删除或匿名化处理上述信息（法律另有规定的除外）。
          </p>
        </section>

        <section>
          <h2>四、您的权利</h2>
          <p>
            您有权随时查阅、复制、更正、补充上述个人信息，有权要求删除，有权撤回本授权。撤回可书面或当面通知经办人，我们将在十五个工作日内处理；撤回不影响撤回前基于本授权已进行的处理活动的效力，但撤回后我们不再为相应目的处理您的信息。
          </p>
        </section>

        <section>
          <h2>五、其他</h2>
          <p>除上述勾选的目的外，我们不会向任何第三方提供您的个人信息，也不会用于营销。本授权书一式两份，授权人与被授权人各执一份。</p>
        </section>

        <div className="signatures">
          <div>
            <p>授权人（签字）：<span className="line" /></p>
            <p>企业（盖章）：<span className="line" /></p>
            <p>日期：{recorded ? recorded.obtained_on : <span className="line" />}</p>
          </div>
          <div>
            <p>被授权人（盖章）：<span className="line" /></p>
            <p>经办人（签字）：<span className="line" /></p>
            <p>日期：<span className="line" /></p>
          </div>
        </div>
    </PrintSheet>
  )
}
