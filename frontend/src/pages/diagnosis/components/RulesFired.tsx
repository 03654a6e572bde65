import { Alert, Space, Tag } from 'antd'
import type { DiagnosisResult as Diagnosis } from '../../../api/types'
import { fieldLabel } from '../../../domain/labels'

export function VetoesAndCaps({ diagnosis }: { diagnosis: Diagnosis }) {
  if (diagnosis.vetoes.length === 0 && diagnosis.caps.length === 0) return null
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {diagnosis.vetoes.map((v) => (
        <Alert key={`v-${v.id}`} type="error" showIcon message={`否决（直接判 C）· ${v.id}`} description={v.reason} />
      ))}
      {diagnosis.caps.map((c) => (
        <Alert key={`c-${c.id}`} type="warning" showIcon message={`封顶（最高 B）· ${c.id}`} description={c.reason} />
      ))}
    </Space>
  )
}

export function MissingFields({ fields }: { fields: string[] }) {
  if (fields.length === 0) return null
  return (
    <Alert
      type="info"
      showIcon
      message="资料待补充"
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
