import type { ReactNode } from 'react'
import { useParams } from 'react-router'
import { Button } from 'antd'
import { DownloadOutlined } from '@ant-design/icons'
import { PrintSheet } from '../../components/PrintSheet'
import { ErrorResult } from '../../components/ErrorResult'
import { PageSpin } from '../../components/PageSpin'
import { CATALOGUE } from '../../domain/vocabulary.gen'
import { downloadJson, usePersonalData, type PersonalData } from '../customers/components/privacyApi'
import './personal-data.css'

type Vocabularies = typeof CATALOGUE.vocabularies
const vocab = (name: keyof Vocabularies, code: unknown): string =>
  (CATALOGUE.vocabularies[name] as readonly { code: string; label: string }[]).find((t) => t.code === code)?.label ?? String(code ?? '—')

/** The audit log's record types in the broker's words. */
const RESOURCE: Record<string, string> = {
  customer: '客户',
  plan: '改造方案',
  share: '分享链接',
  follow_up: '跟进记录',
  application: '进件',
  consent: '客户授权',
}

const time = (t?: string | null) => (t ? t.replace('T', ' ').slice(0, 16) : '—')
const text = (v?: string | number | null) => (v == null || v === '' ? '—' : String(v))

/** A fact's value in the broker's words: labels for codes, 是/否, units. */
function factValue(f: PersonalData['facts'][number]): string {
  const v = f.value
  if (v == null || v === '') return '未填写'
  if (typeof v === 'boolean') return v ? '是' : '否'
  const field = CATALOGUE.fields.find((x) => x.key === f.key) as { vocabulary?: string } | undefined
  if (field?.vocabulary && field.vocabulary in CATALOGUE.vocabularies) return vocab(field.vocabulary as keyof Vocabularies, v)
  return `${String(v)}${f.unit ? ` ${f.unit}` : ''}`
}

function Table({ head, rows, empty = '无' }: { head: string[]; rows: ReactNode[][]; empty?: string }) {
  if (rows.length === 0) return <p className="pd-empty">{empty}</p>
  return (
    <table>
      <thead>
        <tr>
          {head.map((h) => (
            <th key={h}>{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            {r.map((c, j) => (
              <td key={j}>{c}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** 个人信息查阅 (PIPL Art. 45): everything held about one customer, printable, and as JSON. */
export default function PersonalDataPage() {
  const id = Number(useParams().id)
  const q = usePersonalData(id)
  if (q.isPending) return <PageSpin />
  if (q.isError) return <ErrorResult error={q.error} onRetry={() => q.refetch()} />
  const d = q.data
  const name = String(d.facts.find((f) => f.key === 'name')?.value ?? `#${d.customer_id}`)
  const groups = CATALOGUE.vocabularies.FieldGroup

  return (
    <PrintSheet back={`/customers/${id}`} className="personal-data-page" testId="personal-data" subtitle="个人信息查阅记录（《个人信息保护法》第四十五条）" actions={<Button icon={<DownloadOutlined />} data-testid="personal-data-download" onClick={() => downloadJson(d)}>下载 JSON</Button>}>
        <h1>{name}</h1>
        <p className="pd-meta">
          客户编号 {d.customer_id} · 建档 {time(d.created_at)} · 最后修改 {time(d.updated_at)}
          {d.deleted_at && ` · 已移入回收站 ${time(d.deleted_at)}`} · 生成于 {time(d.generated_at)}
        </p>

        <section>
          <h2>一、企业与联系人信息</h2>
          {groups.map((g) => {
            const facts = d.facts.filter((f) => f.group === g.code)
            if (facts.length === 0) return null
            return (
              <div key={g.code}>
                <h3>{g.label}</h3>
                <Table head={['项目', '内容', '个人信息']} rows={facts.map((f) => [f.label, factValue(f), f.personal ? '是' : ''])} />
              </div>
            )
          })}
          <h3>抵押物</h3>
          <Table
            head={['类型', '说明', '评估价值（万元）', '已抵押余额（万元）', '持有起始日期']}
            rows={d.collaterals.map((c) => [vocab('CollateralKind', c.kind), text(c.description), text(c.appraisal_wan), text(c.lien_wan), text(c.held_since)])}
          />
        </section>

        <section>
          <h2>二、融资体检（自动化决策及其依据）</h2>
          {d.diagnoses.length === 0 && <p className="pd-empty">无</p>}
          {d.diagnoses.map(({ diagnosis: g, shares }) => (
            <div key={g.id} className="pd-block">
              <h3>
                {time(g.created_at)} · 分类 {vocab('Category', g.category)} · 总分 {g.total} · 综合可贷 {g.recommended_wan} 万元
              </h3>
              <p>{g.verdict}</p>
              <Table head={['评分依据', '得分']} rows={g.findings.map((f) => [f.reason, f.points])} />
              {g.vetoes.length > 0 && <Table head={['否决原因']} rows={g.vetoes.map((v) => [v.reason])} />}
              {g.caps.length > 0 && <Table head={['额度限制原因']} rows={g.caps.map((v) => [v.reason])} />}
              <Table
                head={['分享链接', '有效期至', '打开记录']}
                empty="未分享给客户"
                rows={shares.map((s) => [
                  time(s.share.created_at),
                  time(s.share.expires_at),
                  s.opens.map((o) => `${time(o.opened_at)} ${text(o.client_ip)} ${text(o.user_agent)}`).join('；') || '未打开',
                ])}
              />
            </div>
          ))}
        </section>

        <section>
          <h2>三、改造方案与任务</h2>
          <Table
            head={['方案', '状态', '任务']}
            rows={d.plans.map((p) => [p.title, vocab('PlanStatus', p.status), p.tasks.map((t) => `${t.done ? '☑' : '☐'} ${t.text}`).join('；')])}
          />
        </section>

        <section>
          <h2>四、跟进记录</h2>
          <Table
            head={['时间', '方式', '内容', '结果', '下次联系']}
            rows={d.follow_ups.map((f) => [time(f.contacted_at), vocab('FollowUpChannel', f.channel), f.content, text(f.result), time(f.next_contact_at)])}
          />
        </section>

        <section>
          <h2>五、进件与放款</h2>
          <Table
            head={['机构', '申请（万元）', '状态', '备注', '状态记录']}
            rows={d.applications.map(({ application: a, events }) => [
              a.institution,
              a.amount_applied_wan,
              vocab('ApplicationStatus', a.status),
              text(a.note),
              events.map((e) => `${time(e.at)} ${vocab('ApplicationStatus', e.status)}${e.reason ? `（${e.reason}）` : ''}`).join('；'),
            ])}
          />
        </section>

        <section>
          <h2>六、收费协议与返佣</h2>
          <Table
            head={['签订日期', '服务内容', '备注', '返佣']}
            rows={d.agreements.map((a) => [
              text(a.signed_on),
              text(a.service_scope),
              text(a.note),
              a.rebates.map((r) => `${r.payer} ${r.rate_pct != null ? `${r.rate_pct}%` : `${r.amount_wan} 万元`}`).join('；') || '无',
            ])}
          />
        </section>

        <section>
          <h2>七、上传的资料（仅列出，不含文件内容）</h2>
          <Table
            head={['类型', '文件名', '大小（字节）', '备注', '上传时间']}
            rows={d.documents.map((doc) => [vocab('DocumentKind', doc.kind), doc.file_name, doc.size_bytes, text(doc.note), time(doc.uploaded_at)])}
          />
        </section>

        <section>
          <h2>八、客户授权（同意记录）</h2>
          <Table
            head={['取得日期', '用途', '数据', '方式', '状态', '登记人']}
            rows={d.consents.map((k) => [
              k.obtained_on,
              k.purposes.map((p) => vocab('ConsentPurpose', p)).join('、'),
              k.data.map((x) => vocab('ConsentData', x)).join('、'),
              vocab('ConsentMethod', k.method),
              k.withdrawn_at ? `已撤回（${time(k.withdrawn_at)}${k.withdraw_reason ? `，${k.withdraw_reason}` : ''}）` : '有效',
              text(k.recorded_by_name),
            ])}
          />
        </section>

        <section>
          <h2>九、处理记录（审计日志）</h2>
          <Table
            head={['时间', '操作人', '操作', '对象']}
            rows={d.audit.map((e) => [time(e.at), text(e.username), vocab('AuditAction', e.action), `${RESOURCE[e.resource_type] ?? e.resource_type} #${text(e.resource_id)}`])}
          />
        </section>
    </PrintSheet>
  )
}
