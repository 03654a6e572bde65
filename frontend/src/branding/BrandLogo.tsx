import { useBranding } from './context'

/** Logo image if one is configured, otherwise a coloured monogram of the brand name. */
export function BrandLogo({ size = 32 }: { size?: number }) {
  const b = useBranding()
  if (b.logo_url) {
    return <img src={b.logo_url} alt={b.brand_name} style={{ height: size, maxWidth: size * 4, objectFit: 'contain' }} />
  }
  return (
    <span
      aria-hidden
      style={{
        display: 'inline-flex',
        alignItems: 'center',
        justifyContent: 'center',
        width: size,
        height: size,
        borderRadius: 8,
        background: b.primary_color,
        color: '#fff',
        fontWeight: 700,
        fontSize: size * 0.5,
        flex: 'none',
      }}
    >
      {b.brand_name.slice(0, 1)}
    </span>
  )
}
