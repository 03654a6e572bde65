import { Radio } from 'antd'

/** Yes / no / unknown: unknown (null) is not the same as "no". */
export function Tri({ value, onChange, id }: { value?: boolean | null; onChange?: (v: boolean | null) => void; id?: string }) {
  const v = value === true ? 'y' : value === false ? 'n' : 'u'
  return (
    <Radio.Group
      id={id}
      value={v}
      optionType="button"
      size="small"
      onChange={(e) => onChange?.(e.target.value === 'y' ? true : e.target.value === 'n' ? false : null)}
      options={[
        { value: 'n', label: '否' },
        { value: 'y', label: '是' },
        { value: 'u', label: '未知' },
      ]}
    />
  )
}
