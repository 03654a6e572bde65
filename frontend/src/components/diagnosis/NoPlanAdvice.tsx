import { Alert } from 'antd'
import type { DiagnosisResult } from '../../api/types'
import { noPlanAdvice } from './figures'

/** Shown when plan generation finds nothing worth proposing: why, and what to do instead. */
export function NoPlanAdviceAlert({ diagnosis, onClose }: { diagnosis: DiagnosisResult; onClose?: () => void }) {
  const a = noPlanAdvice(diagnosis)
  return (
    <Alert
      type={diagnosis.category === 'A' ? 'success' : 'info'}
      showIcon
      closable={!!onClose}
      onClose={onClose}
      data-testid="no-plan-advice"
      message={`未生成改造方案：${a.title}`}
      description={
        <>
          {a.details.map((d) => (
            <div key={d}>{d}</div>
          ))}
          <div style={{ marginTop: 4, fontWeight: 600 }}>建议：{a.action}</div>
        </>
      }
    />
  )
}
