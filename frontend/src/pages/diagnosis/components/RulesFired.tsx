import { Alert, Space, Tag } from 'antd'
import type { DiagnosisResult as Diagnosis } from '../../../api/types'
import { fieldLabel } from '../../../domain/labels'

/** Fired vetoes and caps by their reason only: rule ids are for integrators, not brokers. */
export function VetoesAndCaps({ diagnosis }: { diagnosis: Diagnosis }) {
  if (diagnosis.vetoes.length === 0 && diagnosis.caps.length === 0) return null
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {diagnosis.vetoes.map((v) => (
        <Alert key={`v-${v.id}`} type="error" showIcon message="否决（直接判 C）" description={v.reason} />
      ))}
      {diagnosis.caps.map((c) => (
        <Alert key={`c-${c.id}`} type="warning" showIcon message="封顶（最高 B）" description={c.reason} />
      ))}
    </Space>
  )
}

/** The deciding facts that are unknown (category 资料待补充): the grade waits for them. */
export function IncompleteFacts({ diagnosis }: { diagnosis: Diagnosis }) {
  if (diagnosis.incomplete_facts.length === 0) return null
  return (
    <Alert
      type="warning"
      showIcon
      message="资料待补充：以下决定能否准入的资料未知，补充后再评级"
      data-testid="incomplete-facts"
      description={
        <Space wrap size={[4, 4]}>
          {diagnosis.incomplete_facts.map((f) => (
            <Tag key={f} color="blue">
              {f}
            </Tag>
          ))}
        </Space>
      }
    />
  )
}

/** Facts the diagnosis had to assume (conservatively); filling them in can only sharpen the result. */
export function MissingFields({ fields }: { fields: string[] }) {
  if (fields.length === 0) return null
  return (
    <Alert
      type="info"
      showIcon
      message="未提供的资料（本次按保守情况估算）"
      description={
        <Space wrap size={[4, 4]}>
          {fields.map((f) => (
            <Tag key={f}>{fieldLabel(f)}</Tag>
          ))}
        </Space>
      }
    />
  )
}
