import { describe, expect, it } from 'vitest'
import spec from '../../openapi.json'
import { CATALOGUE } from './vocabulary.gen'
import { FIELD_LABELS, STAGE_OPTIONS, TAX_GRADE_OPTIONS, actionLabel, fieldLabel } from './labels'

type Schema = { enum?: string[]; properties?: Record<string, unknown> }
const schemas = (spec as unknown as { components: { schemas: Record<string, Schema> } }).components.schemas

describe('labels come from the service catalogue', () => {
  it('names every customer fact the API has', () => {
    const properties = Object.keys(schemas.CustomerInput.properties ?? {})
    expect(properties.length).toBeGreaterThan(30)
    for (const p of properties) expect(FIELD_LABELS[p], p).toBeTruthy()
    expect(Object.keys(FIELD_LABELS).sort()).toEqual([...properties].sort())
  })

  it('has exactly the codes of every enum the spec declares', () => {
    const vocabularies = CATALOGUE.vocabularies as Record<string, readonly { code: string }[]>
    for (const [name, schema] of Object.entries(schemas)) {
      if (!schema.enum || !(name in vocabularies)) continue
      expect(vocabularies[name].map((t) => t.code), name).toEqual(schema.enum)
    }
    for (const name of ['TaxGrade', 'Stage', 'Role', 'PlanStatus', 'CollateralKind']) expect(schemas[name]?.enum, name).toBeDefined()
  })

  it('shapes them for the UI', () => {
    expect(TAX_GRADE_OPTIONS.find((o) => o.value === 'unknown')?.label).toBe('未评级')
    expect(STAGE_OPTIONS[0]).toEqual({ value: 'new', label: '新客户' })
    expect(fieldLabel('annual_tax_wan')).toBe('近12个月纳税额（万元）')
    expect(actionLabel('customer.import')).toBe('导入客户')
    expect(actionLabel('something.else')).toBe('something.else')
  })
})
