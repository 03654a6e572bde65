import { Suspense, useMemo, useState } from 'react'
import { Outlet, matchPath, useLocation, useNavigate } from 'react-router'
import { Badge, Button, Drawer, Dropdown, Grid, Layout, Menu, Tag, Typography, theme } from 'antd'
import { KeyOutlined, LogoutOutlined, MenuOutlined, UserOutlined } from '@ant-design/icons'
import { useAuthActions, useMe } from '../auth/useAuth'
import { useBranding } from '../branding/context'
import { BrandLogo } from '../branding/BrandLogo'
import { PageSpin } from '../components/PageSpin'
import { appRoutes, menuRoutes } from '../routes'
import { useDueCounts } from '../pages/follow-ups/hooks'

const { Header, Sider, Content } = Layout

function useSelectedKey(): string {
  const { pathname } = useLocation()
  for (const r of appRoutes) {
    if (matchPath({ path: r.path, end: true }, pathname)) return r.menuKey ?? r.path
  }
  return pathname
}

export default function AppLayout() {
  const me = useMe()
  const brand = useBranding()
  const navigate = useNavigate()
  const { logout } = useAuthActions()
  const screens = Grid.useBreakpoint()
  const isMobile = !screens.lg
  const [drawer, setDrawer] = useState(false)
  const selected = useSelectedKey()
  const { token } = theme.useToken()

  const due = useDueCounts()
  // Due today (overdue included) beside 待跟进; red while anything is overdue.
  const dueToday = due.data?.today ?? 0
  const overdue = (due.data?.overdue ?? 0) > 0
  const items = useMemo(
    () =>
      menuRoutes(me.data?.role).map((r) => ({
        key: r.path,
        icon: r.icon,
        label:
          r.path === '/follow-ups' && dueToday > 0 ? (
            <span data-testid="menu-due">
              {r.label}{' '}
              <Badge count={dueToday} color={overdue ? undefined : token.colorPrimary} size="small" />
            </span>
          ) : (
            r.label
          ),
      })),
    [me.data?.role, dueToday, overdue, token.colorPrimary],
  )
  const menu = (
    <Menu
      mode="inline"
      selectedKeys={[selected]}
      items={items}
      onClick={({ key }) => {
        setDrawer(false)
        navigate(key)
      }}
      style={{ borderInlineEnd: 0 }}
    />
  )

  const userMenu = {
    items: [
      { key: 'pw', icon: <KeyOutlined />, label: '修改密码' },
      { key: 'logout', icon: <LogoutOutlined />, label: '退出登录' },
    ],
    onClick: ({ key }: { key: string }) => {
      if (key === 'pw') navigate('/change-password')
      if (key === 'logout') {
        void logout().finally(() => navigate('/login', { replace: true }))
      }
    },
  }

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Header
        style={{
          display: 'flex',
          alignItems: 'center',
          gap: 12,
          padding: isMobile ? '0 12px' : '0 24px',
          background: '#fff',
          borderBottom: `3px solid ${brand.primary_color}`,
          position: 'sticky',
          top: 0,
          zIndex: 10,
        }}
      >
        {isMobile && <Button type="text" icon={<MenuOutlined />} aria-label="打开菜单" onClick={() => setDrawer(true)} />}
        <div
          style={{ display: 'flex', alignItems: 'center', gap: 10, cursor: 'pointer', minWidth: 0 }}
          onClick={() => navigate('/dashboard')}
        >
          <BrandLogo size={32} />
          <Typography.Text strong ellipsis style={{ fontSize: 18, color: token.colorText }} data-testid="brand-name">
            {brand.brand_name}
          </Typography.Text>
        </div>
        <div style={{ flex: 1 }} />
        <Dropdown menu={userMenu} placement="bottomRight" trigger={['click']}>
          <Button type="text" icon={<UserOutlined />} aria-label="账号菜单">
            {!isMobile && (me.data?.display_name || me.data?.username)}
            {!isMobile && me.data?.role === 'admin' && (
              <Tag color="purple" style={{ marginInlineEnd: 0 }}>
                管理员
              </Tag>
            )}
          </Button>
        </Dropdown>
      </Header>
      <Layout>
        {!isMobile && (
          <Sider width={200} theme="light" style={{ borderInlineEnd: `1px solid ${token.colorBorderSecondary}` }}>
            {menu}
          </Sider>
        )}
        <Drawer
          open={isMobile && drawer}
          onClose={() => setDrawer(false)}
          placement="left"
          width={240}
          title={brand.brand_name}
          styles={{ body: { padding: 0 } }}
        >
          {menu}
        </Drawer>
        <Content style={{ padding: isMobile ? 12 : 24, minWidth: 0 }}>
          <Suspense fallback={<PageSpin />}>
            <Outlet />
          </Suspense>
        </Content>
      </Layout>
    </Layout>
  )
}
