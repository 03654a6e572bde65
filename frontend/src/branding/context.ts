import { createContext, useContext } from 'react'

export interface Branding {
  brand_name: string
  primary_color: string
  secondary_color: string
  logo_url?: string | null
}

export const DEFAULT_BRANDING: Branding = {
  brand_name: '贷款助手',
  primary_color: '#1677ff',
  secondary_color: '#13c2c2',
  logo_url: null,
}

export const BrandingContext = createContext<Branding>(DEFAULT_BRANDING)

export function useBranding(): Branding {
  return useContext(BrandingContext)
}

const HEX = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i

/** Falls back to the default when the server sends something that is not a colour. */
export function safeColor(c: string | null | undefined, fallback: string): string {
  return c && HEX.test(c.trim()) ? c.trim() : fallback
}
