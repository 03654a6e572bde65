/**
 * Display labels and option lists for enumerated values. Business rules stay in the service;
 * this file only says how a value is shown in Chinese.
 */
export interface Option<V extends string = string> {
  value: V
  label: string
}

export const CATEGORY_COLORS: Record<string, string> = { A: 'green', B: 'gold', C: 'red' }
export const CATEGORY_LABELS: Record<string, string> = {
  A: 'A 类：资质良好',
  B: 'B 类：需优化',
  C: 'C 类：暂不可贷',
}
export const CATEGORY_OPTIONS: Option[] = ['A', 'B', 'C'].map((v) => ({ value: v, label: `${v} 类` }))

export const STAGE_OPTIONS: Option[] = [
  { value: 'new', label: '新客户' },
  { value: 'contacted', label: '已联系' },
  { value: 'diagnosed', label: '已诊断' },
  { value: 'improving', label: '改造中' },
  { value: 'applying', label: '申请中' },
  { value: 'approved', label: '已放款' },
  { value: 'lost', label: '已流失' },
]

export const TAX_GRADE_OPTIONS: Option[] = [
  { value: 'A', label: 'A 级' },
  { value: 'B', label: 'B 级' },
  { value: 'M', label: 'M 级' },
  { value: 'C', label: 'C 级' },
  { value: 'D', label: 'D 级' },
  { value: 'unknown', label: '未评级' },
]

export const BUSINESS_STATUS_OPTIONS: Option[] = [
  { value: 'normal', label: '存续' },
  { value: 'abnormal', label: '经营异常' },
  { value: 'revoked', label: '吊销/注销' },
]

export const COLLATERAL_KIND_OPTIONS: Option[] = [
  { value: 'residential', label: '住宅' },
  { value: 'commercial', label: '商业用房' },
  { value: 'industrial', label: '厂房' },
  { value: 'land', label: '土地' },
  { value: 'vehicle', label: '车辆' },
  { value: 'equipment', label: '设备' },
  { value: 'other', label: '其他' },
]

export const PLAN_STATUS_OPTIONS: Option[] = [
  { value: 'pending', label: '待开始' },
  { value: 'in_progress', label: '进行中' },
  { value: 'completed', label: '已完成' },
]

export const PROVIDER_CATEGORY_OPTIONS: Option[] = [
  { value: 'tax_agency', label: '财税代账' },
  { value: 'credit_consulting', label: '征信咨询' },
  { value: 'guarantee', label: '担保' },
  { value: 'appraisal', label: '评估' },
  { value: 'mortgage_registration', label: '抵押登记' },
  { value: 'legal', label: '法律' },
]

export const PLAN_KIND_OPTIONS: Option[] = [
  { value: 'tax_increase', label: '纳税提升' },
  { value: 'invoice_increase', label: '开票提升' },
  { value: 'flow_increase', label: '流水提升' },
  { value: 'credit_repair', label: '征信优化' },
  { value: 'collateral', label: '抵押增信' },
  { value: 'qualification', label: '资质完善' },
]

export const PRODUCT_FAMILY_OPTIONS: Option[] = [
  { value: 'tax_loan', label: '税贷' },
  { value: 'invoice_loan', label: '票贷' },
  { value: 'flow_loan', label: '流水贷' },
  { value: 'mortgage', label: '抵押贷' },
  { value: 'credit_loan', label: '信用贷' },
]

export const DIMENSIONS: { key: 'flow' | 'invoice_tax' | 'credit' | 'assets' | 'qualification' | 'industry'; label: string }[] = [
  { key: 'flow', label: '流水' },
  { key: 'invoice_tax', label: '票税' },
  { key: 'credit', label: '征信' },
  { key: 'assets', label: '资产' },
  { key: 'qualification', label: '资质' },
  { key: 'industry', label: '行业' },
]

export const ROLE_OPTIONS: Option<'admin' | 'staff'>[] = [
  { value: 'admin', label: '管理员' },
  { value: 'staff', label: '业务员' },
]

/** Chinese names of customer fields (used for missing-data lists and error messages). */
export const FIELD_LABELS: Record<string, string> = {
  name: '企业名称',
  uscc: '统一社会信用代码',
  established_on: '成立日期',
  reg_capital_wan: '注册资本（万元）',
  legal_person: '法人',
  legal_person_age: '法人年龄',
  annual_invoice_wan: '年开票（万元）',
  invoice_gap_months: '断票月数',
  annual_tax_wan: '年纳税（万元）',
  tax_grade: '纳税信用等级',
  monthly_flow_wan: '对公流水月均（万元）',
  current_overdue: '当前逾期',
  overdue_count_24m: '近24月逾期次数',
  lian3lei6_24m: '近24月连三累六',
  severe_record_5y: '近5年严重不良',
  inquiries_1m: '近1月查询次数',
  inquiries_3m: '近3月查询次数',
  inquiries_6m: '近6月查询次数',
  card_utilization_pct: '信用卡使用率（%）',
  credit_institutions: '信用贷款机构数',
  business_loan_count: '经营贷笔数',
  business_loan_balance_wan: '经营贷余额（万元）',
  dishonest_debtor: '失信被执行人',
  business_status: '经营状态',
  main_business: '主营业务',
  industry: '行业',
  loan_demand_wan: '贷款需求（万元）',
  collaterals: '抵押物',
  contact_name: '联系人',
  contact_phone: '联系电话',
  owner_id: '负责人',
  stage: '跟进阶段',
  notes: '备注',
}

export function labelOf(options: Option[], value: string | null | undefined): string {
  if (value == null || value === '') return '—'
  return options.find((o) => o.value === value)?.label ?? value
}

export function fieldLabel(field: string): string {
  return FIELD_LABELS[field] ?? field
}

export function wan(v: number | null | undefined, digits = 2): string {
  if (v == null) return '—'
  return `${Number(v.toFixed(digits)).toLocaleString('zh-CN')} 万元`
}

const ACTION_LABELS: Record<string, string> = {
  'auth.login': '登录',
  'auth.login_failed': '登录失败',
  'auth.locked': '账号锁定',
  'user.create': '新增用户',
  'user.update': '修改用户',
  'user.change_password': '修改密码',
  'customer.create': '新增客户',
  'customer.update': '修改客户',
  'customer.delete': '删除客户',
  'customer.restore': '恢复客户',
  'customer.import': '导入客户',
  'customer.export': '导出客户',
  'diagnosis.create': '运行诊断',
  'diagnosis.rediagnose_all': '全部重新诊断',
  'plan.generate': '生成改造方案',
  'plan.update': '更新改造方案',
  'rules.update': '修改诊断规则',
  'product.create': '新增产品',
  'product.update': '修改产品',
  'product.delete': '删除产品',
  'provider.create': '新增服务商',
  'provider.update': '修改服务商',
  'provider.delete': '删除服务商',
  'branding.update': '修改品牌',
  'branding.logo': '上传 Logo',
}

export function actionLabel(action: string): string {
  return ACTION_LABELS[action] ?? action
}
