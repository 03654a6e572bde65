// The browser flow. Run through run.sh (which starts the service). Every step that fails is
// reported (with a FAILED-*.png screenshot); steps that depend on a failed step fail too.
import { chromium } from 'playwright-core'
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { xlsx } from './lib/xlsx.mjs'
import { brokenUscc, validUscc } from './lib/uscc.mjs'
import { logoPng } from './lib/png.mjs'

const BASE = process.env.BASE_URL
const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD
const SHOTS = process.env.SCREENSHOT_DIR
const WORK = process.env.STATE_DIR ?? mkdtempSync(join(tmpdir(), 'e2e-'))
const NEW_PASSWORD = 'E2e-Passw0rd!2026'
const NEW_BRAND = '鑫诚融资顾问'
const NEW_COLOR = 'D4380D'
const CUSTOMER = '上海测试精密制造有限公司'
const IMPORTED = '杭州导入贸易有限公司'
if (!BASE || !ADMIN_PASSWORD || !SHOTS) {
  console.error('flow.mjs: BASE_URL, ADMIN_PASSWORD and SCREENSHOT_DIR are required (use run.sh)')
  process.exit(2)
}
mkdirSync(SHOTS, { recursive: true })

const results = []
const passed = new Set()
const s = {} // state shared between steps
let pageErrors = []

const userDataDir = mkdtempSync(join(tmpdir(), 'chromium-e2e-'))
const ctx = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  viewport: { width: 1280, height: 860 },
  locale: 'zh-CN',
  acceptDownloads: true,
})
const page = ctx.pages()[0] ?? (await ctx.newPage())
page.setDefaultTimeout(15_000)
page.on('pageerror', (e) => pageErrors.push(e.message))
page.on('console', (m) => {
  if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) pageErrors.push(`console: ${m.text()}`)
})

function expect(cond, msg) {
  if (!cond) throw new Error(msg)
}

async function shot(name) {
  await page.waitForLoadState('networkidle').catch(() => {})
  await page.waitForTimeout(1000) // chart / transition animations
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
}

async function noErrorResult() {
  const bad = page.locator('.ant-result-error, .ant-result-404, .ant-result-403, .ant-result-warning, .ant-alert-error')
  if (await bad.count()) {
    const text = (await bad.first().innerText()).replace(/\s+/g, ' ').slice(0, 200)
    throw new Error(`page shows an error: ${text}`)
  }
}

async function step(name, deps, fn) {
  const missing = deps.filter((d) => !passed.has(d))
  if (missing.length) {
    results.push({ name, ok: false })
    console.log(`✗ ${name}: not run because it needs: ${missing.join(', ')}`)
    return
  }
  pageErrors = []
  const t0 = Date.now()
  try {
    await fn()
    const errs = pageErrors.filter((e) => !/401|Unauthorized/.test(e))
    if (errs.length) throw new Error(`JavaScript errors in the page: ${errs.join(' | ').slice(0, 500)}`)
    passed.add(name)
    results.push({ name, ok: true })
    console.log(`✓ ${name} (${Date.now() - t0} ms)`)
  } catch (e) {
    results.push({ name, ok: false })
    console.log(`✗ ${name}: ${(e && e.message ? e.message : String(e)).split('\n')[0]}  [at ${page.url()}]`)
    await page.screenshot({ path: join(SHOTS, `FAILED-${name.replace(/[^\w\u4e00-\u9fff-]+/g, '_')}.png`), fullPage: true }).catch(() => {})
  }
}

const token = () => page.evaluate(() => localStorage.getItem('loan-broker.token'))
async function api(path, init = {}) {
  const t = await token()
  const r = await fetch(BASE + path, { ...init, headers: { ...(init.headers ?? {}), Authorization: `Bearer ${t}` } })
  if (!r.ok) throw new Error(`${init.method ?? 'GET'} ${path} → ${r.status} ${(await r.text()).slice(0, 200)}`)
  return r
}

async function pickOption(label, optionText) {
  await page.getByLabel(label, { exact: true }).click()
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: optionText }).first().click()
}

async function login(password) {
  await page.goto(`${BASE}/login`)
  await page.getByLabel('用户名').fill('admin')
  await page.getByLabel('密码').fill(password)
  await page.getByRole('button', { name: '登录' }).click()
}

// ---------------------------------------------------------------------------------------------

await step('login page', [], async () => {
  await page.goto(`${BASE}/`)
  await page.waitForURL(/\/login/)
  await page.getByTestId('login-brand-name').waitFor()
  await shot('01-login')
})

await step('first login forces a password change', ['login page'], async () => {
  await login(ADMIN_PASSWORD)
  await page.waitForURL(/\/change-password/)
  await page.getByText('首次登录需要修改初始密码').waitFor()
  await shot('02-change-password')
  await page.getByLabel('当前密码').fill(ADMIN_PASSWORD)
  await page.getByLabel('新密码', { exact: true }).fill(NEW_PASSWORD)
  await page.getByLabel('确认新密码').fill(NEW_PASSWORD)
  await page.getByRole('button', { name: '确认修改' }).click()
  await page.waitForURL(/\/dashboard/)
})

await step('dashboard', ['first login forces a password change'], async () => {
  await page.getByRole('heading', { name: '工作台' }).waitFor()
  await noErrorResult()
  await shot('03-dashboard-empty')
})

await step('create a customer, fix a validation error', ['first login forces a password change'], async () => {
  await page.goto(`${BASE}/customers/new`)
  await page.getByLabel('企业名称').fill(CUSTOMER)
  await page.getByLabel('统一社会信用代码').fill(brokenUscc(1))
  await page.getByLabel('成立日期').fill('2019-05-01')
  await page.getByLabel('成立日期').press('Enter')
  await page.getByLabel('注册资本').fill('500')
  await page.getByLabel('法人', { exact: true }).fill('张伟')
  await page.getByLabel('法人年龄').fill('45')
  await pickOption('经营状态', '存续')
  await page.getByLabel('行业').fill('制造业')
  await page.getByLabel('贷款需求').fill('200')
  await page.getByLabel('近12个月开票额').fill('800')
  await page.getByLabel('断票月数').fill('0')
  await page.getByLabel('近12个月纳税额').fill('2')
  await pickOption('纳税信用等级', 'B级')
  await page.getByLabel('对公流水月均').fill('60')
  await page.getByLabel('近1个月查询次数').fill('2')
  await page.getByLabel('近3个月查询次数').fill('7')
  await page.getByLabel('近6个月查询次数').fill('9')
  // 当前逾期 is a deciding fact: left 未知, the diagnosis is 资料待补充 rather than a grade.
  await page.locator('.ant-form-item', { has: page.locator('label', { hasText: /^当前逾期$/ }) }).getByText('否', { exact: true }).click()
  await page.getByLabel('联系人', { exact: true }).fill('李娜')
  await page.getByLabel('联系电话').fill('138 0000 0000')
  await page.getByRole('button', { name: '创建客户' }).click()
  const err = page.locator('.ant-form-item-explain-error', { hasText: /统一社会信用代码|校验/ })
  await err.first().waitFor()
  await shot('04-customer-form-error')
  await page.getByLabel('统一社会信用代码').fill(validUscc(1))
  // 征信 and 流水 facts need the client's consent: refused until the signed form is recorded.
  await page.getByRole('button', { name: '创建客户' }).click()
  await page.getByTestId('consent-required').getByText('缺少客户授权：诊断评估（征信、银行流水）').waitFor()
  await page.getByTestId('consent-required-record').click()
  await page.getByTestId('inline-consent-purposes').getByText('向金融机构提交').click()
  await page.getByRole('button', { name: '创建客户' }).click()
  await page.waitForURL(/\/customers\/\d+$/)
  s.customerId = Number(/\/customers\/(\d+)/.exec(page.url())[1])
  await page.getByRole('heading', { name: new RegExp(CUSTOMER) }).waitFor()
  await shot('05-customer-detail')
})

await step('customers list', ['create a customer, fix a validation error'], async () => {
  await page.goto(`${BASE}/customers`)
  await page.getByRole('link', { name: CUSTOMER }).waitFor()
  await noErrorResult()
  await shot('06-customers')
})

await step('run a diagnosis and see its category', ['create a customer, fix a validation error'], async () => {
  await page.goto(`${BASE}/customers/${s.customerId}`)
  await page.getByRole('button', { name: '运行诊断' }).click()
  await page.waitForURL(/\/diagnoses\/\d+$/)
  s.diagnosisId = Number(/\/diagnoses\/(\d+)/.exec(page.url())[1])
  const tag = page.getByTestId('diagnosis-grade').getByTestId('grade')
  await tag.waitFor()
  s.grade = (await tag.innerText()).trim()
  expect(['A', 'B', 'C'].includes(s.grade[0]), `grade tag shows "${s.grade}"`)
  await page.getByTestId('score-radar').waitFor()
  await noErrorResult()
  await shot('07-diagnosis')
})

await step('open the client report', ['run a diagnosis and see its category'], async () => {
  await page.getByRole('button', { name: '客户报告' }).click()
  await page.waitForURL(/\/report$/)
  await page.getByTestId('report').waitFor()
  const cat = (await page.getByTestId('report-category').innerText()).trim()
  expect(cat === s.grade, `report grade "${cat}" ≠ diagnosis grade "${s.grade}"`)
  await page.getByText('不构成任何金融机构的授信承诺').waitFor()
  await shot('08-report')
  await page.emulateMedia({ media: 'print' })
  await shot('08b-report-print')
  const pdf = await page.pdf({ format: 'A4', printBackground: true })
  writeFileSync(join(WORK, 'report.pdf'), pdf)
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length
  await page.emulateMedia({ media: 'screen' })
  expect(pages >= 1 && pages <= 2, `report prints on ${pages} A4 pages (at most 2 allowed)`)
})

await step('generate plans and tick a task', ['run a diagnosis and see its category'], async () => {
  await page.goto(`${BASE}/diagnoses/${s.diagnosisId}`)
  await page.getByRole('button', { name: '生成改造方案' }).click()
  await page.waitForURL(/tab=plans/)
  await page.getByTestId('plan-card').first().waitFor()
  await shot('09-customer-plans')
  await page.getByTestId('plan-card').first().click()
  await page.waitForURL(/\/plans\/\d+$/)
  s.planId = Number(/\/plans\/(\d+)/.exec(page.url())[1])
  const box = page.locator('.ant-list-item .ant-checkbox-wrapper:not(.ant-checkbox-wrapper-checked)').first()
  await box.waitFor()
  const title = (await box.innerText()).trim()
  await box.click()
  await page.getByText('任务已完成').waitFor()
  await page.reload()
  await page.locator('.ant-checkbox-wrapper-checked', { hasText: title }).waitFor()
  await shot('10-plan-detail')
})

await step('report lists the plans and fits on at most two A4 pages', ['generate plans and tick a task'], async () => {
  await page.goto(`${BASE}/diagnoses/${s.diagnosisId}/report`)
  await page.getByTestId('report').waitFor()
  await page.getByText('提升路径').waitFor()
  await shot('10b-report-with-plans')
  const pdf = await page.pdf({ format: 'A4', printBackground: true })
  writeFileSync(join(WORK, 'report-with-plans.pdf'), pdf)
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length
  expect(pages >= 1 && pages <= 2, `report prints on ${pages} A4 pages (at most 2 allowed)`)
})

await step('what-if simulator moves score and amount', ['run a diagnosis and see its category'], async () => {
  await page.goto(`${BASE}/simulator?customer=${s.customerId}`)
  await page.getByTestId('diagnosis-total').waitFor()
  const before = await page.getByTestId('diagnosis-verdict').innerText()
  await page.getByLabel('近12个月纳税额').fill('12')
  await page.getByLabel('近3个月查询次数').fill('3')
  await page.getByText('原 ').first().waitFor()
  await page.waitForFunction(
    (b) => document.querySelector('[data-testid=diagnosis-verdict]')?.textContent !== b,
    before,
    { timeout: 10_000 },
  )
  await page.locator('.ant-tag', { hasText: '可申请' }).first().waitFor()
  await shot('15b-simulator-changed')
})

await step('rules editor shows a validation error at its path', ['first login forces a password change'], async () => {
  await page.goto(`${BASE}/rules`)
  const box = page.getByLabel('规则 JSON')
  await box.waitFor()
  const text = await box.inputValue()
  const broken = text.replace(/"reason": "[^"]*"/, '"reason": ""')
  expect(broken !== text, 'no "reason" in the rules document to break')
  await box.fill(broken)
  await page.getByRole('button', { name: '校验并保存' }).click()
  const problem = page.getByTestId('json-problem').first()
  await problem.waitFor()
  const t = await problem.innerText()
  expect(/位置/.test(t) && /第 \d+ 行/.test(t), `problem does not say where: ${t}`)
  await shot('18b-rules-error')
  await page.getByRole('button', { name: '撤销修改' }).click()
})

await step('plans board', ['generate plans and tick a task'], async () => {
  await page.goto(`${BASE}/plans`)
  await page.locator('[data-testid=plan-card], .ant-result').first().waitFor()
  await noErrorResult()
  await shot('11-plans-board')
})

await step('import a spreadsheet with one bad row, fix it, commit', ['first login forces a password change'], async () => {
  const csv = await (await api('/api/imports/customers/template?format=csv')).text()
  const headers = csv.replace(/^\uFEFF/, '').split(/\r?\n/)[0].split(',').map((h) => h.replace(/^"|"$/g, '').trim())
  const col = (re) => headers.findIndex((h) => re.test(h))
  const iName = col(/企业名称/)
  const iUscc = col(/统一社会信用代码/)
  expect(iName >= 0 && iUscc >= 0, `template headers lack 企业名称/统一社会信用代码: ${headers.join(',')}`)
  const row = (name, uscc) => {
    const r = headers.map(() => '')
    r[iName] = name
    r[iUscc] = uscc
    const set = (re, v) => {
      const i = col(re)
      if (i >= 0) r[i] = v
    }
    set(/^行业/, '批发零售')
    set(/年开票/, 300)
    set(/年纳税/, 6)
    return r
  }
  const bad = xlsx([headers, row(IMPORTED, validUscc(2)), row('宁波导入错误有限公司', brokenUscc(3))])
  const good = xlsx([headers, row(IMPORTED, validUscc(2)), row('宁波导入修正有限公司', validUscc(3))])
  writeFileSync(join(WORK, 'import-bad.xlsx'), bad)
  writeFileSync(join(WORK, 'import-good.xlsx'), good)

  await page.goto(`${BASE}/imports`)
  await page.locator('input[type=file]').first().setInputFiles(join(WORK, 'import-bad.xlsx'))
  const errors = page.getByTestId('import-errors')
  await errors.waitFor()
  await errors.getByText(/统一社会信用代码/).first().waitFor()
  await shot('12-import-errors')
  await page.locator('input[type=file]').first().setInputFiles(join(WORK, 'import-good.xlsx'))
  await page.getByText('检查通过，可以导入').waitFor()
  await page.getByRole('button', { name: /确认导入/ }).click()
  await page.getByText('导入完成').waitFor()
  await shot('13-import-done')
  const list = await (await api(`/api/customers?q=${encodeURIComponent(IMPORTED)}`)).json()
  expect(list.total === 1, `imported customer not found (total=${list.total})`)
})

await step('export the customer list', ['create a customer, fix a validation error'], async () => {
  await page.goto(`${BASE}/customers`)
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '导出 Excel' }).click()])
  const file = join(WORK, 'export.xlsx')
  await download.saveAs(file)
  const buf = readFileSync(file)
  expect(buf.length > 100 && buf.subarray(0, 2).toString() === 'PK', `export is not an xlsx (${buf.length} bytes)`)
})

await step('dashboard with data', ['create a customer, fix a validation error'], async () => {
  await page.goto(`${BASE}/dashboard`)
  await page.getByRole('heading', { name: '工作台' }).waitFor()
  await noErrorResult()
  await shot('14-dashboard')
})

const tour = [
  ['simulator', () => `/simulator?customer=${s.customerId}`, 'diagnosis-total', ['create a customer, fix a validation error']],
  ['providers', () => '/providers', null, []],
  ['products', () => '/products', null, []],
  ['rules', () => '/rules', null, []],
  ['users', () => '/users', null, []],
  ['audit log', () => '/audit', null, []],
  ['system status', () => '/system', null, []],
]
let n = 15
for (const [name, path, testId, deps] of tour) {
  const num = n++
  await step(`page: ${name}`, ['first login forces a password change', ...deps], async () => {
    await page.goto(BASE + path())
    await page.locator('.page-header h4, .ant-result').first().waitFor()
    await noErrorResult()
    if (testId) {
      await page.locator(`[data-testid=${testId}], .ant-alert-error, .ant-result`).first().waitFor()
      await noErrorResult()
    }
    await page.waitForLoadState('networkidle')
    await noErrorResult()
    await shot(`${num}-${name.replace(/\s+/g, '-')}`)
  })
}

await step('change branding and see it on the login page', ['first login forces a password change'], async () => {
  await page.goto(`${BASE}/settings`)
  await page.getByLabel('品牌名称').fill(NEW_BRAND)
  await page.locator('.ant-color-picker-trigger').first().click()
  const hex = page.locator('.ant-color-picker-hex-input input')
  await hex.fill(NEW_COLOR)
  await hex.press('Enter')
  await page.locator('.page-header h4').click() // closes the colour popover
  await page.locator('.ant-color-picker-inner').waitFor({ state: 'hidden' })
  await page.getByRole('button', { name: '保存', exact: true }).click()
  await page.getByText('品牌设置已保存').waitFor()
  writeFileSync(join(WORK, 'logo.png'), logoPng())
  await page.locator('input[type=file]').first().setInputFiles(join(WORK, 'logo.png'))
  await page.getByText('Logo 已更新').waitFor()
  await page.getByTestId('brand-name').filter({ hasText: NEW_BRAND }).waitFor()
  await shot('25-settings')
  await page.getByRole('button', { name: '账号菜单' }).click()
  await page.getByText('退出登录').click()
  await page.waitForURL(/\/login/)
  await page.reload()
  await page.getByTestId('login-brand-name').filter({ hasText: NEW_BRAND }).waitFor()
  const bg = await page.getByRole('button', { name: '登录' }).evaluate((b) => getComputedStyle(b).backgroundColor)
  expect(bg === 'rgb(212, 56, 13)', `login button colour is ${bg}, expected the new primary colour`)
  await page.locator('img[alt]').first().waitFor()
  await shot('26-login-rebranded')
})

await step('staff user: created by admin, forced change, role-aware menu', ['first login forces a password change'], async () => {
  await login(NEW_PASSWORD)
  await page.waitForURL(/\/dashboard/)
  await page.goto(`${BASE}/users`)
  await page.getByRole('button', { name: '新增用户' }).click()
  const dlg = page.getByRole('dialog')
  await dlg.getByLabel('用户名').fill('xiaoli')
  await dlg.getByLabel('姓名').fill('小李')
  await dlg.getByLabel('初始密码').fill('Staff-Init-2026!')
  await dlg.getByRole('button', { name: '保存' }).click()
  await page.getByRole('cell', { name: 'xiaoli' }).waitFor()
  await shot('19b-users-with-staff')
  await page.getByRole('button', { name: '账号菜单' }).click()
  await page.getByText('退出登录').click()
  await page.waitForURL(/\/login/)
  await page.getByLabel('用户名').fill('xiaoli')
  await page.getByLabel('密码').fill('Staff-Init-2026!')
  await page.getByRole('button', { name: '登录' }).click()
  await page.waitForURL(/\/change-password/)
  await page.getByLabel('当前密码').fill('Staff-Init-2026!')
  await page.getByLabel('新密码', { exact: true }).fill('Staff-Own-2026!')
  await page.getByLabel('确认新密码').fill('Staff-Own-2026!')
  await page.getByRole('button', { name: '确认修改' }).click()
  await page.waitForURL(/\/dashboard/)
  const menu = await page.locator('.ant-layout-sider .ant-menu').innerText()
  expect(menu.includes('客户') && !menu.includes('诊断规则') && !menu.includes('用户管理'), `staff menu: ${menu.replace(/\s+/g, ' ')}`)
  await shot('27-staff-dashboard')
  await page.goto(`${BASE}/rules`)
  await page.locator('.ant-result-403').waitFor()
  await page.getByRole('button', { name: '账号菜单' }).click()
  await page.getByText('退出登录').click()
  await page.waitForURL(/\/login/)
})

await step('data scope: 隐号 with an audited 显示 for a colleague, then a handover prompted by disabling the user', ['staff user: created by admin, forced change, role-aware menu'], async () => {
  await login(NEW_PASSWORD)
  await page.waitForURL(/\/dashboard/)
  await api('/api/customers', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: '隐号演示科技有限公司', contact_phone: '13800001111', legal_person_id_no: '11010519491231002X' }),
  })
  const users = await (await api('/api/users')).json()
  const xiaoli = users.find((u) => u.username === 'xiaoli')
  expect(xiaoli && xiaoli.data_scope === 'own' && !xiaoli.can_export, `new staff default to their own customers: ${JSON.stringify(xiaoli)}`)
  // 小李 owns one customer (made for her by the admin), then is allowed to see all.
  await api('/api/customers', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: '小李负责的客户', owner_id: xiaoli.id }),
  })
  await page.goto(`${BASE}/users`)
  await page.getByRole('row', { name: /xiaoli/ }).getByRole('button', { name: /编\s?辑/ }).click()
  const dlg = page.getByRole('dialog')
  await dlg.locator('.ant-select').filter({ hasText: '仅本人负责的客户' }).click()
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '全部客户' }).first().click()
  await dlg.getByRole('button', { name: /保\s?存/ }).click()
  await page.getByRole('row', { name: /xiaoli/ }).getByText('全部客户').waitFor()
  await page.getByRole('button', { name: '账号菜单' }).click()
  await page.getByText('退出登录').click()
  await page.waitForURL(/\/login/)

  await page.getByLabel('用户名').fill('xiaoli')
  await page.getByLabel('密码').fill('Staff-Own-2026!')
  await page.getByRole('button', { name: '登录' }).click()
  await page.waitForURL(/\/dashboard/)
  const list = await (await api('/api/customers?q=隐号演示')).json()
  await page.goto(`${BASE}/customers/${list.items[0].id}`)
  await page.getByText('138****1111').waitFor()
  await page.getByText('110***********002X').waitFor()
  expect(!(await page.content()).includes('13800001111'), 'the full phone is not in the page before 显示')
  await shot('h1-masked-numbers')
  await page.getByTestId('reveal-contact_phone').click()
  await page.locator('a[href="tel:13800001111"]').waitFor()
  await page.getByText('11010519491231002X').waitFor()
  await shot('h2-revealed-numbers')
  expect(!(await page.getByRole('button', { name: /导出/ }).count()), 'no export button without the permission')
  await page.getByRole('button', { name: '账号菜单' }).click()
  await page.getByText('退出登录').click()
  await page.waitForURL(/\/login/)

  await login(NEW_PASSWORD)
  await page.waitForURL(/\/dashboard/)
  const audit = await (await api('/api/audit-logs?action=customer.reveal')).json()
  expect(audit.items.length === 1 && audit.items[0].username === 'xiaoli', `the reveal is audited: ${JSON.stringify(audit.items)}`)
  await page.goto(`${BASE}/users`)
  await page.getByRole('row', { name: /xiaoli/ }).getByRole('button', { name: /编\s?辑/ }).click()
  await page.getByRole('dialog').getByLabel('停用账号').click()
  await page.getByRole('dialog').getByRole('button', { name: /保\s?存/ }).click()
  const handover = page.getByRole('dialog').filter({ hasText: '前交接客户' })
  await handover.getByText('名下有').waitFor()
  await handover.locator('.ant-select').click()
  // By name: the edit dialog's 数据范围 dropdown may still be in the page.
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '（admin）' }).click()
  await shot('h3-handover-on-disable')
  await handover.getByTestId('handover-ok').click()
  await page.getByText(/已交接：客户 1 个/).waitFor()
  await page.getByRole('row', { name: /xiaoli/ }).getByText('已停用').waitFor()
  const moved = await (await api('/api/customers?q=小李负责的客户')).json()
  expect(moved.items[0].owner_id !== xiaoli.id, 'the customer has a new owner')
  await shot('h4-users-after-handover')
})

await step('usable at 375 px', ['first login forces a password change'], async () => {
  await page.setViewportSize({ width: 375, height: 812 })
  await login(NEW_PASSWORD)
  await page.waitForURL(/\/dashboard/)
  const check = async (path, name) => {
    await page.goto(BASE + path)
    await page.locator('.page-header h4, [data-testid=report], .ant-result').first().waitFor()
    await noErrorResult()
    await shot(name)
    const w = await page.evaluate(() => document.documentElement.scrollWidth)
    expect(w <= 380, `${path} is ${w}px wide at a 375px viewport (horizontal scrolling)`)
  }
  await check('/customers', 'm2-customers')
  await page.getByRole('button', { name: '打开菜单' }).click()
  await page.locator('.ant-drawer-open .ant-menu').waitFor()
  await shot('m6-menu')
  await check(`/customers/${s.customerId ?? 1}`, 'm3-customer-detail')
  await check('/customers/new', 'm3-customer-form')
  await check('/imports', 'm7-imports')
  if (s.diagnosisId) {
    await check(`/diagnoses/${s.diagnosisId}`, 'm4-diagnosis')
    await check(`/diagnoses/${s.diagnosisId}/report`, 'm5-report')
  }
  await check('/dashboard', 'm1-dashboard')
})

// ---- share link (issue 15) ----
await step('share the report: the client opens the link on a 390 px phone without signing in', ['run a diagnosis and see its category'], async () => {
  await page.setViewportSize({ width: 1280, height: 860 })
  await page.goto(`${BASE}/diagnoses/${s.diagnosisId}`)
  await page.getByTestId('share-report').click()
  const dlg = page.getByRole('dialog')
  await dlg.getByRole('button', { name: '生成分享链接' }).click()
  const link = (await dlg.getByTestId('share-link').innerText()).trim()
  expect(/\/r\/[0-9a-f]{64}$/.test(link), `share link: ${link}`)
  await shot('s1-share-dialog')

  // A phone that has never signed in: the report, branded, nothing off-screen.
  const phoneDir = mkdtempSync(join(tmpdir(), 'chromium-phone-'))
  const phone = await chromium.launchPersistentContext(phoneDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
  })
  try {
    const p = phone.pages()[0] ?? (await phone.newPage())
    await p.goto(link)
    await p.getByTestId('report').waitFor()
    expect(!/\/login/.test(p.url()), `the share link redirected to ${p.url()}`)
    const text = await p.getByTestId('report').innerText()
    expect(text.includes(CUSTOMER), 'the shared report names the company')
    expect(text.includes(NEW_BRAND), 'the shared report carries the broker brand')
    expect(text.includes('客户经理'), 'the shared report carries the contact line')
    const w = await p.evaluate(() => document.documentElement.scrollWidth)
    expect(w <= 395, `the shared report is ${w}px wide at 390 px`)
    await p.waitForTimeout(800)
    await p.screenshot({ path: join(SHOTS, 's2-shared-report-390.png'), fullPage: true })

    // Revoked in the dialog: the phone's next open finds nothing.
    await dlg.getByRole('button', { name: '撤销' }).first().click()
    await page.locator('.ant-popconfirm').getByRole('button', { name: '撤销' }).click()
    await dlg.getByText('已撤销').waitFor()
    await dlg.getByText('打开 1 次').waitFor()
    await shot('s3-share-revoked')
    await p.reload()
    await p.getByTestId('shared-gone').waitFor()
    await p.screenshot({ path: join(SHOTS, 's4-shared-revoked-390.png') })
  } finally {
    await phone.close()
  }
  await page.keyboard.press('Escape')
})
// ---- end share link ----

// ---- application pipeline (issue 15) ----
await step('application pipeline: add an application on the customer page, move it to 已放款, see it in 进件管理 and on the dashboard', ['create a customer, fix a validation error'], async () => {
  await page.setViewportSize({ width: 1280, height: 860 })
  await page.goto(`${BASE}/customers/${s.customerId}`)
  await page.getByRole('tab', { name: '进件' }).click()
  await page.getByTestId('application-add').click()
  let dlg = page.getByRole('dialog')
  await dlg.getByText('手填机构').click()
  await dlg.getByTestId('application-institution').fill('上海测试银行浦东支行')
  await dlg.getByTestId('application-amount').fill('300')
  await dlg.getByRole('button', { name: '保存' }).click()
  const item = page.getByTestId('application-item').filter({ hasText: '上海测试银行浦东支行' })
  await item.getByTestId('application-status').filter({ hasText: '准备中' }).waitFor()

  await item.getByTestId('application-move').click()
  dlg = page.getByRole('dialog')
  await dlg.locator('.ant-select-selector').first().click()
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option[title="已放款"]').click()
  await dlg.getByTestId('application-approved').fill('280')
  await dlg.getByTestId('application-disbursed').fill('250')
  const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10)
  const dateInput = dlg.getByLabel('放款日期')
  await dateInput.click()
  await dateInput.fill(today)
  await dateInput.press('Enter')
  await dlg.getByRole('button', { name: '保存' }).click()
  await item.getByTestId('application-status').filter({ hasText: '已放款' }).waitFor()
  await noErrorResult()
  const c = await (await api(`/api/customers/${s.customerId}`)).json()
  expect(c.stage === 'approved', `customer stage follows the disbursement: ${c.stage}`)
  await shot('a1-customer-applications')
  await item.getByRole('button', { name: '历史' }).click()
  await page.getByRole('dialog').getByText('已放款').first().waitFor()
  await shot('a2-application-history')
  await page.keyboard.press('Escape')

  await page.goto(`${BASE}/applications`)
  await page.getByTestId('applications-row').filter({ hasText: '上海测试银行浦东支行' }).waitFor()
  await noErrorResult()
  await shot('a3-applications-list')

  await page.goto(`${BASE}/dashboard`)
  await page.getByTestId('dashboard-applications').waitFor()
  await page.getByTestId('dashboard-approval-rate').filter({ hasText: '上海测试银行浦东支行' }).filter({ hasText: '100%' }).waitFor()
  await noErrorResult()
  await shot('a4-dashboard-applications')

  await page.setViewportSize({ width: 390, height: 844 })
  for (const [path, name, wait] of [
    ['/applications', 'a5-applications-390', 'applications-row'],
    ['/dashboard', 'a6-dashboard-390', 'dashboard-applications'],
  ]) {
    await page.goto(BASE + path)
    await page.getByTestId(wait).first().waitFor()
    await noErrorResult()
    await shot(name)
    const w = await page.evaluate(() => document.documentElement.scrollWidth)
    expect(w <= 395, `${path} is ${w}px wide at 390 px`)
  }
  // On a phone the tab bar scrolls; the tab is opened by its address.
  await page.goto(`${BASE}/customers/${s.customerId}?tab=applications`)
  await page.getByTestId('application-item').first().waitFor()
  await shot('a7-customer-applications-390')
  const w = await page.evaluate(() => document.documentElement.scrollWidth)
  expect(w <= 395, `the 进件 tab is ${w}px wide at 390 px`)
  await page.setViewportSize({ width: 1280, height: 860 })

  // The product library carries what brokers quote.
  await page.goto(`${BASE}/products`)
  await page.getByRole('button', { name: '报价' }).first().click()
  dlg = page.getByRole('dialog')
  await dlg.getByLabel('年化利率下限（%）').fill('3.2')
  await dlg.getByLabel('年化利率上限（%）').fill('6.5')
  await dlg.getByLabel('放款时效').fill('最快当天放款')
  await dlg.getByRole('button', { name: '保存' }).click()
  await page.getByText('年化 3.2–6.5% · 最快当天放款').first().waitFor()
  await noErrorResult()
  await shot('a8-product-quote')
})
// ---- end application pipeline ----

// ---- follow-ups (issue 15) ----
await step('follow-ups: record a call, answer the next-contact prompt, see 今日待跟进/已逾期 on the workbench, mark the overdue one done on a phone', ['create a customer, fix a validation error'], async () => {
  await page.setViewportSize({ width: 1280, height: 860 })
  await page.goto(`${BASE}/customers/${s.customerId}?tab=follow-ups`)
  const form = page.getByTestId('follow-up-form')
  await form.getByLabel('沟通内容').fill('电话沟通税贷需求，客户下周提供近一年纳税证明')
  await form.getByLabel('结果').fill('有意向，待补资料')
  await form.getByRole('button', { name: '保存跟进' }).click()
  const dlg = page.getByRole('dialog')
  await dlg.getByText('下次什么时候联系客户？').waitFor()
  await shot('f1-next-contact-prompt')
  await dlg.getByTestId('next-contact-3').click()
  await dlg.waitFor({ state: 'hidden' })
  const list = page.getByTestId('follow-up-list')
  await list.getByText('下次联系：').first().waitFor()
  await list.getByText('待跟进', { exact: true }).first().waitFor()

  // A call planned four days ago and never made: overdue, and it stays until done.
  const at = (h) => new Date(Date.now() + h * 3600e3).toISOString()
  await api(`/api/customers/${s.customerId}/follow-ups`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ channel: 'wechat', content: '微信催收银行流水', contacted_at: at(-120), next_contact_at: at(-96) }),
  })
  await page.goto(`${BASE}/dashboard`)
  const due = page.getByTestId('dashboard-due')
  await due.getByText('微信催收银行流水').waitFor()
  await due.getByText('已逾期（1）').waitFor()
  await page.getByTestId('menu-due').waitFor()
  await shot('f2-workbench-due')

  await page.setViewportSize({ width: 390, height: 844 })
  await page.goto(`${BASE}/follow-ups`)
  await page.locator('.ant-segmented-item', { hasText: '已逾期' }).click()
  const overdue = page.getByTestId('due-overdue')
  await overdue.getByText('微信催收银行流水').waitFor()
  const w = await page.evaluate(() => document.documentElement.scrollWidth)
  expect(w <= 395, `the 待跟进 page is ${w}px wide at 390 px`)
  await shot('f3-due-390')
  await overdue.getByRole('button', { name: '完成' }).click()
  await page.getByText('没有逾期的跟进').waitFor()
  await page.goto(`${BASE}/customers/${s.customerId}?tab=timeline`)
  await page.getByTestId('customer-timeline').getByText('微信跟进').first().waitFor()
  await shot('f4-timeline-390')
  await page.setViewportSize({ width: 1280, height: 860 })
})
// ---- end follow-ups ----

// ---- agreement (issue 15) ----
await step('agreement: a 2% fee after disbursement (entered as 1.5%, corrected) with a disclosed commission, printed as a branded A4 委托协议', ['application pipeline: add an application on the customer page, move it to 已放款, see it in 进件管理 and on the dashboard'], async () => {
  await page.setViewportSize({ width: 1280, height: 860 })
  await page.goto(`${BASE}/customers/${s.customerId}?tab=agreements`)
  await page.getByLabel('费率（%）').fill('1.5')
  await page.getByRole('button', { name: '添加返佣' }).click()
  await page.getByPlaceholder('返佣支付方').fill('上海测试银行')
  await page.getByPlaceholder('比例 %').fill('0.3')
  await page.getByRole('button', { name: '保存', exact: true }).click()
  await page.getByText('已保存委托协议').waitFor()
  // A typo in the rate is corrected in place.
  await page.getByTestId('agreement-edit').first().click()
  await page.getByText('修改委托协议 WT-').waitFor()
  await page.getByLabel('费率（%）').fill('2')
  await page.getByLabel('费率（%）').press('Enter')
  await page.getByText('已修改委托协议').waitFor()
  await page.getByText('放款金额的 2%').first().waitFor()
  await page.getByTestId('agreement-print-link').first().click()
  const doc = page.getByTestId('agreement')
  await doc.waitFor()
  const text = await doc.innerText()
  expect(text.includes(CUSTOMER), 'the agreement names the client')
  expect(text.includes(NEW_BRAND), 'the agreement carries the broker brand')
  expect(text.includes('放款金额的 2%'), 'the corrected fee terms are printed')
  expect(text.includes('上海测试银行') && text.includes('0.3%'), 'the commission is disclosed')
  expect(text.includes('不以任何银行或贷款机构的名义向甲方收取任何费用'), 'the compliance sentence is printed')
  await shot('g1-agreement')
  await page.emulateMedia({ media: 'print' })
  const pdf = await page.pdf({ format: 'A4', printBackground: true })
  await page.emulateMedia({ media: 'screen' })
  writeFileSync(join(SHOTS, 'g-agreement.pdf'), pdf)
  const head = pdf.subarray(0, 5).toString('latin1')
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length
  expect(head === '%PDF-', `the print is a PDF (${head})`)
  expect(pages >= 1 && pages <= 2, `the 委托协议 prints on ${pages} A4 pages`)
  await page.setViewportSize({ width: 390, height: 844 })
  await page.reload()
  await doc.waitFor()
  const w = await page.evaluate(() => document.documentElement.scrollWidth)
  expect(w <= 395, `the 委托协议 is ${w}px wide at 390 px`)
  await shot('g2-agreement-390')
  await page.setViewportSize({ width: 1280, height: 860 })
  await page.goto(`${BASE}/income`)
  await page.getByTestId('income-summary').waitFor()
  await shot('g3-income')
})
// ---- end agreement ----

// ---- consents (授权, PIPL) ----
await step('consents: the 授权 tab lists the inline consent, records another, withdraws it, and prints the 个人信息处理授权书 on A4', ['create a customer, fix a validation error'], async () => {
  await page.setViewportSize({ width: 1280, height: 860 })
  await page.goto(`${BASE}/customers/${s.customerId}?tab=consents`)
  const table = page.getByTestId('consents-table')
  await table.getByTestId('consent-valid').first().waitFor()
  expect((await table.innerText()).includes('诊断评估、向金融机构提交'), 'the inline consent is listed with its purposes')
  await page.getByTestId('consent-add').click()
  const dlg = page.getByRole('dialog', { name: '登记客户授权' })
  await dlg.waitFor()
  // Only 向服务商推荐 of 身份证件: untick the defaults, tick the others.
  const purposes = dlg.getByTestId('consent-purposes')
  await purposes.getByText('诊断评估').click()
  await purposes.getByText('向服务商推荐').click()
  const data = dlg.getByTestId('consent-data')
  await data.getByText('征信').click()
  await data.getByText('银行流水').click()
  await data.getByText('身份证件').click()
  await dlg.getByText('电子', { exact: true }).click()
  await page.getByTestId('consent-save').click()
  await page.getByText('已登记客户授权').waitFor()
  await table.getByText('向服务商推荐').waitFor()
  expect((await table.getByTestId('consent-valid').count()) === 2, 'two valid consents')
  await shot('h1-consents')
  // Withdraw the newest one (listed first), with a reason.
  await table.getByTestId('consent-withdraw').first().click()
  await page.getByPlaceholder('撤回原因（可选）').fill('客户不再需要服务商推荐')
  await page.getByTestId('consent-withdraw-confirm').click()
  await page.getByText('已撤回授权').waitFor()
  await table.getByTestId('consent-withdrawn').waitFor()
  expect((await table.innerText()).includes('客户不再需要服务商推荐'), 'the withdrawal reason is shown')
  // The printable form: blank tick boxes for the client, branded, on A4.
  await page.getByTestId('consent-print-link').click()
  const doc = page.getByTestId('consent-form')
  await doc.waitFor()
  const text = await doc.innerText()
  expect(text.includes('个人信息处理授权书'), 'the form has its title')
  expect(text.includes(CUSTOMER), 'the form names the client')
  expect(text.includes(NEW_BRAND), 'the form carries the broker brand')
  for (const p of ['诊断评估', '向金融机构提交', '向服务商推荐']) expect(text.includes(p), `the purpose ${p} has its own tick box`)
  expect((await doc.locator('.tick').count()) === 6, 'three purposes and three data kinds, each with a tick box')
  expect(text.includes('撤回') && text.includes('删除') && text.includes('保存期限'), 'rights and retention are printed')
  await shot('h2-consent-form')
  await page.emulateMedia({ media: 'print' })
  const pdf = await page.pdf({ format: 'A4', printBackground: true })
  await page.emulateMedia({ media: 'screen' })
  writeFileSync(join(SHOTS, 'h-consent.pdf'), pdf)
  const raw = pdf.toString('latin1')
  const head = pdf.subarray(0, 5).toString('latin1')
  const pages = (raw.match(/\/Type\s*\/Page[^s]/g) ?? []).length
  const box = /\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(raw)
  expect(head === '%PDF-', `the print is a PDF (${head})`)
  expect(pages >= 1 && pages <= 2, `the 授权书 prints on ${pages} A4 pages`)
  expect(box && Math.abs(Number(box[1]) - 595) < 3 && Math.abs(Number(box[2]) - 842) < 3, `the page is A4 (${box && box.slice(1).join('×')})`)
  // A recorded consent prints with its boxes ticked.
  const list = await (await api(`/api/customers/${s.customerId}/consents`)).json()
  const inline = list.find((c) => c.valid)
  await page.goto(`${BASE}/customers/${s.customerId}/consents/print?consent=${inline.id}`)
  await doc.waitFor()
  expect((await doc.locator('.tick.on').count()) === inline.purposes.length + inline.data.length, 'the recorded choices are ticked')
  await page.setViewportSize({ width: 390, height: 844 })
  await page.reload()
  await doc.waitFor()
  const w = await page.evaluate(() => document.documentElement.scrollWidth)
  expect(w <= 395, `the 授权书 is ${w}px wide at 390 px`)
  await page.setViewportSize({ width: 1280, height: 860 })
})
// ---- end consents ----
// ---- privacy: access and erasure (PIPL Art. 45/47) ----
await step('privacy: open 个人信息查阅 and download its JSON, then erase the customer from the UI by typing its name', ['first login forces a password change'], async () => {
  await page.setViewportSize({ width: 1280, height: 860 })
  const name = '擦除演示科技有限公司'
  const created = await (
    await api('/api/customers', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name, legal_person: '擦除演示法人', contact_name: '擦除联系人', contact_phone: '13600001111', notes: '客户要求删除其信息' }),
    })
  ).json()
  await page.goto(`${BASE}/customers/${created.id}`)
  await page.getByTestId('personal-data-link').click()
  const doc = page.getByTestId('personal-data')
  await doc.waitFor()
  const text = await doc.innerText()
  expect(text.includes(name) && text.includes('擦除演示法人') && text.includes('法人'), 'the page shows the facts with their labels')
  expect(text.includes('查阅个人信息'), 'the page lists its own audited access')
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('personal-data-download').click()])
  const saved = join(SHOTS, 'h-personal-data.json')
  await download.saveAs(saved)
  const json = JSON.parse(readFileSync(saved, 'utf8'))
  expect(json.customer_id === created.id && JSON.stringify(json).includes('13600001111'), 'the JSON holds the customer data')
  await shot('h1-personal-data')

  await page.goto(`${BASE}/customers/${created.id}`)
  await page.getByTestId('erase-open').click()
  const dlg = page.getByRole('dialog')
  await dlg.getByText('备份').first().waitFor()
  const confirm = dlg.getByTestId('erase-confirm')
  expect(await confirm.isDisabled(), 'the erase button waits for the name')
  await dlg.getByTestId('erase-confirm-name').fill(name.slice(0, 4))
  expect(await confirm.isDisabled(), 'a partial name does not unlock it')
  await dlg.getByTestId('erase-confirm-name').fill(name)
  await shot('h2-erase-modal')
  await confirm.click()
  await page.getByText(`已彻底删除客户“${name}”`).waitFor()
  await page.waitForURL(/\/customers$/)
  await page.getByLabel('搜索客户').fill(name)
  await page.getByLabel('搜索客户').press('Enter')
  await page.waitForURL(/q=/)
  await page.locator('.ant-table-tbody .ant-empty').waitFor()
  expect((await page.locator('.ant-table-tbody').getByText(name).count()) === 0, 'the erased customer is not in the list')
  const t = await token()
  const r = await fetch(`${BASE}/api/customers/${created.id}`, { headers: { Authorization: `Bearer ${t}` } })
  expect(r.status === 404, `the erased customer is gone (${r.status})`)
})
// ---- end privacy ----

await ctx.close()
const ok = results.filter((r) => r.ok).length
const bad = results.length - ok
const summary = `${ok} passed, ${bad} failed`
if (process.env.SUMMARY_FILE) writeFileSync(process.env.SUMMARY_FILE, summary + '\n')
else console.log(summary)
process.exit(bad ? 1 : 0)
