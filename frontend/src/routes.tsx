import { lazy, type ComponentType, type LazyExoticComponent, type ReactNode } from 'react'
import {
  ApartmentOutlined,
  AuditOutlined,
  BankOutlined,
  BellOutlined,
  CloudUploadOutlined,
  DashboardOutlined,
  FileDoneOutlined,
  FileProtectOutlined,
  ExperimentOutlined,
  FundOutlined,
  MoneyCollectOutlined,
  ProjectOutlined,
  SettingOutlined,
  ShopOutlined,
  TeamOutlined,
  UserOutlined,
} from '@ant-design/icons'
import type { Role } from './auth/useAuth'

export interface AppRoute {
  path: string
  /** Menu label; routes without one are not in the menu. */
  label?: string
  icon?: ReactNode
  /** Roles that may open it; omitted = every signed-in user. */
  roles?: Role[]
  /** Menu key to highlight when this (non-menu) route is open. */
  menuKey?: string
  component: LazyExoticComponent<ComponentType>
}

const page = (load: () => Promise<{ default: ComponentType }>) => lazy(load)

/** One table for the router and the menu (inside the signed-in layout). */
export const appRoutes: AppRoute[] = [
  { path: '/dashboard', label: '工作台', icon: <DashboardOutlined />, component: page(() => import('./pages/dashboard')) },
  { path: '/follow-ups', label: '待跟进', icon: <BellOutlined />, component: page(() => import('./pages/follow-ups')) },
  { path: '/customers', label: '客户', icon: <TeamOutlined />, component: page(() => import('./pages/customers')) },
  { path: '/customers/new', menuKey: '/customers', component: page(() => import('./pages/customers/CustomerFormPage')) },
  { path: '/customers/:id/edit', menuKey: '/customers', component: page(() => import('./pages/customers/CustomerFormPage')) },
  { path: '/customers/:id', menuKey: '/customers', component: page(() => import('./pages/customers/CustomerDetailPage')) },
  { path: '/diagnoses/:id', menuKey: '/customers', component: page(() => import('./pages/diagnosis')) },
  { path: '/applications', label: '进件管理', icon: <FileProtectOutlined />, component: page(() => import('./pages/applications')) },
  { path: '/income', label: '收入', icon: <MoneyCollectOutlined />, component: page(() => import('./pages/income')) },
  { path: '/simulator', label: '模拟测算', icon: <ExperimentOutlined />, component: page(() => import('./pages/simulator')) },
  { path: '/plans', label: '改造方案', icon: <ProjectOutlined />, component: page(() => import('./pages/plans')) },
  { path: '/plans/:id', menuKey: '/plans', component: page(() => import('./pages/plans/PlanDetailPage')) },
  { path: '/providers', label: '服务商', icon: <ShopOutlined />, component: page(() => import('./pages/providers')) },
  { path: '/products', label: '产品库', icon: <BankOutlined />, component: page(() => import('./pages/products')) },
  { path: '/document-checklist', label: '资料清单', icon: <FileDoneOutlined />, roles: ['admin'], component: page(() => import('./pages/document-checklist')) },
  { path: '/imports', label: '导入导出', icon: <CloudUploadOutlined />, component: page(() => import('./pages/imports')) },
  { path: '/rules', label: '诊断规则', icon: <ApartmentOutlined />, roles: ['admin'], component: page(() => import('./pages/rules')) },
  { path: '/users', label: '用户管理', icon: <UserOutlined />, roles: ['admin'], component: page(() => import('./pages/users')) },
  { path: '/settings', label: '设置', icon: <SettingOutlined />, roles: ['admin'], component: page(() => import('./pages/settings')) },
  { path: '/audit', label: '审计日志', icon: <AuditOutlined />, roles: ['admin'], component: page(() => import('./pages/audit')) },
  { path: '/system', label: '系统状态', icon: <FundOutlined />, roles: ['admin'], component: page(() => import('./pages/system')) },
]

/** Routes outside the layout. */
export const LoginPage = lazy(() => import('./pages/login'))
export const ChangePasswordPage = lazy(() => import('./pages/change-password'))
export const ReportPage = lazy(() => import('./pages/report'))
export const AgreementPrintPage = lazy(() => import('./pages/agreement-print'))
export const ConsentPrintPage = lazy(() => import('./pages/consent-print'))
export const PersonalDataPage = lazy(() => import('./pages/personal-data'))
export const SharedReportPage = lazy(() => import('./pages/shared'))
export const AppLayout = lazy(() => import('./layouts/AppLayout'))

export function canOpen(route: Pick<AppRoute, 'roles'>, role: Role | undefined): boolean {
  return !route.roles || (!!role && route.roles.includes(role))
}

export function menuRoutes(role: Role | undefined): AppRoute[] {
  return appRoutes.filter((r) => r.label && canOpen(r, role))
}
